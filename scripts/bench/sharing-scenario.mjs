// The sharing-at-scale scenario (issue 13), generated from a seed so that every variant starts
// from the very same state: per region, images in cohorts that share one access list (what a
// sharing file looks like: a team's images, the team's projects), every image meant to be shared
// with the region's `projects` projects. The drift is per cohort: each cohort misses about a
// third of its desired shares (projects added to the file, not yet applied) and has extra
// members making up about a tenth of its current members (projects that left the file).
import { createHash } from "node:crypto";

const hex = (...parts) => createHash("sha256").update(parts.join("\u0000")).digest("hex");
const uuid = (h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;

/** A seeded shuffle (Fisher–Yates driven by hashes): the same order for the same key. */
function shuffled(items, ...key) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Number.parseInt(hex(...key, i).slice(0, 8), 16) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Spreads `total` over `n` slots as evenly as whole numbers allow: slot c gets floor((c+1)t/n) - floor(ct/n). */
const spread = (c, per) => Math.floor((c + 1) * per) - Math.floor(c * per);

/**
 * @param {{ seed?: string, regions: string[], images: number, projects: number, cohortSize: number,
 *   missing?: number, extra?: number, extraPool?: number }} options
 * `missing`: the share of desired shares absent (default 1/3); `extra`: the share of current
 * members that are not desired (default 1/10).
 */
export function scenario({
  seed = "ims-bench-13",
  regions,
  images,
  projects,
  cohortSize,
  missing = 1 / 3,
  extra = 1 / 10,
  extraPool = 20,
}) {
  return regions.map((region) => {
    const wanted = Array.from({ length: projects }, (_, i) => hex(seed, region, "project", i).slice(0, 32));
    const others = Array.from({ length: extraPool }, (_, i) => hex(seed, region, "other", i).slice(0, 32));
    const seedImages = [];
    const desired = {};
    // Per cohort: which desired projects are missing, which extra members are there.
    const perPresent = projects * (1 - missing);
    const cohorts = Math.ceil(images / cohortSize);
    const drift = Array.from({ length: cohorts }, (_, c) => {
      const absent = shuffled(wanted, seed, region, "missing", c).slice(0, spread(c, projects * missing));
      const extras = shuffled(others, seed, region, "extra", c).slice(0, spread(c, (perPresent * extra) / (1 - extra)));
      return { absent: new Set(absent), extras };
    });
    for (let i = 0; i < images; i++) {
      const id = uuid(hex(seed, region, "image", i));
      const { absent, extras } = drift[Math.floor(i / cohortSize)];
      seedImages.push({ id, name: `bench-${region}-${i}`, members: [...wanted.filter((p) => !absent.has(p)), ...extras] });
      desired[id] = { projects: [...wanted] };
    }
    return { region, images: seedImages, desired };
  });
}

/** What the state differs by: desired shares missing, current members extra, and the distinct change groups. */
export function driftOf(regions) {
  let desired = 0;
  let present = 0;
  let current = 0;
  let extras = 0;
  const groups = new Set();
  for (const { region, images, desired: wanted } of regions) {
    for (const image of images) {
      const want = new Set(wanted[image.id].projects);
      const have = new Set(image.members);
      desired += want.size;
      current += have.size;
      const add = [...want].filter((p) => !have.has(p)).sort();
      const remove = [...have].filter((p) => !want.has(p)).sort();
      present += want.size - add.length;
      extras += remove.length;
      if (add.length) groups.add(JSON.stringify([region, "add", add]));
      if (remove.length) groups.add(JSON.stringify([region, "remove", remove]));
    }
  }
  return {
    desired,
    missing: desired - present,
    missingShare: (desired - present) / desired,
    current,
    extras,
    extraShare: extras / current,
    groups: groups.size,
  };
}

/** The desired-state file for these regions, each with its fake's endpoint. */
export function desiredFile(regions, endpoints, ownerProject, pick = (images) => images) {
  return {
    regions: Object.fromEntries(
      regions.map(({ region, images, desired }) => [
        region,
        {
          endpoint: endpoints[region],
          projectId: ownerProject,
          images: Object.fromEntries(pick(images).map((image) => [image.id, desired[image.id]])),
        },
      ]),
    ),
  };
}
