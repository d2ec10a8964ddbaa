// Sharing at scale (issue 13): bringing many images' members to a desired state on the fake IMS
// with realistic latency, one fake per region (each in its own process), every variant starting
// from fresh fakes with the same seed:
//   (a) this project's planSharing + applySharing (defaults, then a higher concurrency);
//   (b) a Terraform-like baseline: per image, read its members, one add request and one delete
//       request, each followed by its own wait (the job polled every 1 s), images one after
//       another; measured on a declared subset and extrapolated linearly;
//   (c) the same baseline with every image in parallel.
// Requests are counted at the fakes (`fake.requests`). Then how planning time grows with images.
import { fork } from "node:child_process";
import path from "node:path";
import { fmt, median, table } from "./lib.mjs";
import { desiredFile, driftOf, scenario } from "./sharing-scenario.mjs";

const TOKEN = "bench-token";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts one fake per region, each in its own process, seeded with that region's images. */
async function startFakes(dist, regions, { jobDurationMs, latencyMs }) {
  const children = {};
  const urls = {};
  await Promise.all(
    regions.map(async ({ region, images }) => {
      const child = fork(new URL("fake-region.mjs", import.meta.url), [dist], {
        stdio: ["ignore", "ignore", "inherit", "ipc"],
        execArgv: [],
      });
      children[region] = child;
      urls[region] = await ask(child, { type: "start", region, images, jobDurationMs, latencyMs }, "ready").then((m) => m.url);
    }),
  );
  return {
    urls,
    /** What every fake saw so far, summed. */
    async stats() {
      const all = await Promise.all(Object.values(children).map((c) => ask(c, { type: "stats" }, "stats")));
      const sum = { total: 0, writes: 0, byOperation: {} };
      for (const s of all) {
        sum.total += s.total;
        sum.writes += s.writes;
        for (const [k, v] of Object.entries(s.byOperation)) sum.byOperation[k] = (sum.byOperation[k] ?? 0) + v;
      }
      return sum;
    },
    async stop() {
      await Promise.all(
        Object.values(children).map(
          (c) =>
            new Promise((resolve) => {
              if (c.exitCode !== null) return resolve();
              c.once("exit", resolve);
              c.send({ type: "stop" });
            }),
        ),
      );
    },
  };
}

function ask(child, message, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m?.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(m);
    };
    const onExit = (code) => reject(new Error(`fake-region.mjs exited with ${code}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send(message);
  });
}

/** Requests between two snapshots, by kind. */
function requestsBetween(before, after) {
  const op = (name) => (after.byOperation[name] ?? 0) - (before.byOperation[name] ?? 0);
  const listings = op("listImageMembers");
  const writes = after.writes - before.writes;
  const polls = op("showJob") + op("showJobProgress");
  const total = after.total - before.total;
  return { listings, writes, polls, other: total - listings - writes - polls, total };
}

export async function sharing({ dist, quick }) {
  const { createImsClient, planSharing, applySharing } = await import(path.join(dist, "src/index.js"));
  const { OWNER_PROJECT } = await import(path.join(dist, "src/fake/index.js"));

  const config = quick
    ? {
        regions: ["cn-north-4", "cn-east-3"],
        images: 20,
        projects: 10,
        cohortSize: 5,
        latencyMs: 5,
        jobDurationMs: 200,
        subset: 2,
        tuned: 32,
        sizes: [10, 20, 40],
        reps: 1,
      }
    : {
        regions: ["cn-north-4", "cn-east-3", "ap-southeast-1"],
        images: 200,
        projects: 50,
        cohortSize: 20,
        latencyMs: 50,
        jobDurationMs: 2_000,
        subset: 10,
        tuned: 64,
        sizes: [50, 200, 800],
        reps: 3,
      };
  const terraformPollMs = 1_000;
  const world = scenario(config);
  const drift = driftOf(world);
  const totalImages = config.regions.length * config.images;
  const clientsFor = (urls) =>
    Object.fromEntries(
      Object.entries(urls).map(([region, endpoint]) => [
        region,
        createImsClient({ endpoint, projectId: OWNER_PROJECT, auth: { token: TOKEN } }),
      ]),
    );
  const fakeOptions = { jobDurationMs: config.jobDurationMs, latencyMs: config.latencyMs };

  /** A second plan on the same fakes: how long it takes, whether it finds anything, whether it writes. */
  async function secondPlan(env, desired, clients) {
    const before = await env.stats();
    const start = performance.now();
    const plan = await planSharing(desired, { clients });
    const ms = performance.now() - start;
    const after = await env.stats();
    return {
      ms,
      changes: plan.changes.length,
      batches: plan.batches.length,
      writes: after.writes - before.writes,
      requests: requestsBetween(before, after),
    };
  }

  // (a) this project's planSharing, then applySharing.
  async function project(options = {}) {
    const env = await startFakes(dist, world, fakeOptions);
    try {
      const desired = desiredFile(world, env.urls, OWNER_PROJECT);
      const clients = clientsFor(env.urls);
      const s0 = await env.stats();
      const t0 = performance.now();
      const plan = await planSharing(desired, {
        clients,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      });
      const t1 = performance.now();
      const s1 = await env.stats();
      const report = await applySharing(plan, options);
      const t2 = performance.now();
      const s2 = await env.stats();
      return {
        planMs: t1 - t0,
        applyMs: t2 - t1,
        wallMs: t2 - t0,
        changes: plan.changes.length,
        batches: plan.batches.length,
        ok: report.ok,
        plan: requestsBetween(s0, s1),
        apply: requestsBetween(s1, s2),
        requests: requestsBetween(s0, s2),
        second: await secondPlan(env, desired, clients),
      };
    } finally {
      await env.stop();
    }
  }

  // The Terraform-like baseline: what one `huaweicloud_images_image_share`-style resource per
  // image does: read the members, then add, wait, delete, wait, polling the job every second.
  async function waitLikeTerraform(client, jobId) {
    for (;;) {
      await sleep(terraformPollMs);
      const job = await client.getJob(jobId);
      if (job.status === "SUCCESS") return job;
      if (job.status === "FAIL") throw new Error(`job ${jobId} failed: ${job.fail_reason}`);
    }
  }
  async function terraformImage(client, image, wanted) {
    const have = [];
    for await (const member of client.listImageMembers(image)) have.push(member.member_id);
    const current = new Set(have);
    const want = new Set(wanted.projects);
    const add = wanted.projects.filter((p) => !current.has(p));
    const remove = have.filter((p) => !want.has(p));
    if (add.length) await waitLikeTerraform(client, (await client.addImageMembers({ images: [image], projects: add })).jobId);
    if (remove.length) await waitLikeTerraform(client, (await client.deleteImageMembers({ images: [image], projects: remove })).jobId);
  }
  async function terraform(parallel) {
    const env = await startFakes(dist, parallel ? world : [world[0]], fakeOptions);
    try {
      const regions = parallel ? world : [world[0]];
      const pick = parallel ? (images) => images : (images) => images.slice(0, config.subset);
      const desired = desiredFile(regions, env.urls, OWNER_PROJECT, pick);
      const clients = clientsFor(env.urls);
      const work = regions.flatMap(({ region, images }) =>
        pick(images).map((image) => [clients[region], image.id, desired.regions[region].images[image.id]]),
      );
      const s0 = await env.stats();
      const t0 = performance.now();
      if (parallel) await Promise.all(work.map((w) => terraformImage(...w)));
      else for (const w of work) await terraformImage(...w);
      const wallMs = performance.now() - t0;
      const s1 = await env.stats();
      return { images: work.length, wallMs, requests: requestsBetween(s0, s1), second: await secondPlan(env, desired, clients) };
    } finally {
      await env.stop();
    }
  }

  const a = await project();
  const aBare = await project({ readBack: false });
  const aTuned = await project({ concurrency: config.tuned });
  const c = await terraform(true);
  const b = await terraform(false);
  const factor = totalImages / b.images;

  // Goals: time within 1.5 × (listing every image once + one job), regions in parallel;
  // requests within one listing per image + one write per distinct change group (polls apart).
  const listingMs = a.planMs;
  const timeGoalMs = 1.5 * (listingMs + config.jobDurationMs);
  const requestBudget = totalImages + drift.groups;
  const counted = (r) => r.listings + r.writes + r.other;
  const s = (ms) => fmt(ms / 1000, 1);
  const second = (x) => `${s(x.ms)} s, ${x.changes} changes, ${x.writes} writes`;
  const reqCells = (r, k = 1) => [fmt(r.listings * k, 0), fmt(r.writes * k, 0), fmt(r.polls * k, 0), fmt(r.total * k, 0)];
  // (a)'s listings: the plan's, then the apply's read-back of every changed image.
  const projectCells = (x) => {
    const cells = reqCells(x.requests);
    cells[0] = `${cells[0]} (${x.plan.listings} + ${x.apply.listings} read-back)`;
    return cells;
  };
  const rows = [
    [
      `(a) \`planSharing\` + \`applySharing\`, defaults (8 requests in flight, 20 images per request)`,
      String(totalImages),
      ...projectCells(a),
      `**${s(a.wallMs)}** (plan ${s(a.planMs)}, apply ${s(a.applyMs)})`,
      second(a.second),
    ],
    [
      `(a) the same with \`readBack: false\` (no listing after the jobs: the report has no drift check)`,
      String(totalImages),
      ...projectCells(aBare),
      `${s(aBare.wallMs)} (plan ${s(aBare.planMs)}, apply ${s(aBare.applyMs)})`,
      second(aBare.second),
    ],
    [
      `(a) the same with \`concurrency: ${config.tuned}\``,
      String(totalImages),
      ...projectCells(aTuned),
      `${s(aTuned.wallMs)} (plan ${s(aTuned.planMs)}, apply ${s(aTuned.applyMs)})`,
      second(aTuned.second),
    ],
    [
      `(b) Terraform-like, sequential: **measured** on ${b.images} images of ${world[0].region}`,
      String(b.images),
      ...reqCells(b.requests),
      s(b.wallMs),
      `${second(b.second)} (the ${b.images} images)`,
    ],
    [
      `(b) the same, **extrapolated** linearly (×${fmt(factor, 0)}) to ${totalImages} images, not measured`,
      String(totalImages),
      ...reqCells(b.requests, factor),
      `≈ ${s(b.wallMs * factor)} (≈ ${fmt((b.wallMs * factor) / 60_000, 0)} min)`,
      "n/a",
    ],
    [`(c) Terraform-like, every image in parallel`, String(totalImages), ...reqCells(c.requests), s(c.wallMs), second(c.second)],
  ];
  const goals = [
    [
      `wall time ≤ 1.5 × (listing every image once + one job) = 1.5 × (${s(listingMs)} + ${s(config.jobDurationMs)}) = ${s(timeGoalMs)} s`,
      `(a) ${s(a.wallMs)} s; with concurrency ${config.tuned}: ${s(aTuned.wallMs)} s (goal from its own listing: ` +
        `${s(1.5 * (aTuned.planMs + config.jobDurationMs))} s)`,
      a.wallMs <= timeGoalMs ? "met" : "missed",
    ],
    [
      `requests ≤ one listing per image (${totalImages}) + one write per distinct change group (${drift.groups}) = ` +
        `${requestBudget}, job polls apart`,
      `(a) ${counted(a.requests)} (${a.requests.listings} listings, ${a.requests.writes} writes) + ${a.requests.polls} job polls, ` +
        `the read-back being a second listing of every changed image; with \`readBack: false\`: ${counted(aBare.requests)} ` +
        `(${aBare.requests.listings} listings, ${aBare.requests.writes} writes) + ${aBare.requests.polls} job polls`,
      counted(aBare.requests) <= requestBudget
        ? counted(a.requests) <= requestBudget
          ? "met"
          : "met without the read-back; the default reads back, by design"
        : "missed",
    ],
    [
      `the second plan makes no write (and finds no change)`,
      `(a) ${a.second.writes} writes, ${a.second.changes} changes; (a, no read-back) ${aBare.second.writes}, ` +
        `${aBare.second.changes}; (a, ${config.tuned}) ${aTuned.second.writes}, ${aTuned.second.changes}; (b) ${b.second.writes}, ` +
        `${b.second.changes}; (c) ${c.second.writes}, ${c.second.changes}`,
      [a, aBare, aTuned, b, c].every((x) => x.second.writes === 0 && x.second.changes === 0) ? "met" : "missed",
    ],
    [
      `every variant reached the desired state`,
      `applySharing report.ok: ${a.ok} / ${aBare.ok} / ${aTuned.ok}; Terraform-like: checked by the second plan`,
      a.ok && aBare.ok && aTuned.ok ? "met" : "missed",
    ],
  ];

  // Plan time against the number of images: one region, same kind of drift, fresh fake each.
  const scaling = [];
  for (const latencyMs of [config.latencyMs, 0]) {
    for (const n of config.sizes) {
      const regionWorld = scenario({ ...config, regions: [config.regions[0]], images: n });
      const env = await startFakes(dist, regionWorld, { jobDurationMs: config.jobDurationMs, latencyMs });
      try {
        const desired = desiredFile(regionWorld, env.urls, OWNER_PROJECT);
        const clients = clientsFor(env.urls);
        const times = [];
        await planSharing(desired, { clients }); // warm-up: connections, JIT
        for (let i = 0; i < config.reps; i++) {
          const start = performance.now();
          await planSharing(desired, { clients });
          times.push(performance.now() - start);
        }
        scaling.push({ latencyMs, images: n, ms: median(times), times });
      } finally {
        await env.stop();
      }
    }
  }
  const scaleRows = scaling.map(({ latencyMs, images, ms }) => {
    const ref = scaling.find((x) => x.latencyMs === latencyMs && x.images === config.sizes[1]);
    const linear = (ref.ms / ref.images) * images;
    return [`${latencyMs} ms`, String(images), fmt(ms, 0), fmt(ms / images, 2), fmt(ms / linear)];
  });
  const linearity = (latencyMs) => {
    const pts = scaling.filter((x) => x.latencyMs === latencyMs);
    const first = pts[0];
    const last = pts.at(-1);
    return last.ms / first.ms / (last.images / first.images);
  };

  const markdown =
    `${config.regions.length} regions (${config.regions.join(", ")}), one fake IMS per region, each in its own process; ` +
    `${config.images} images per region, each meant for the region's ${config.projects} projects, in cohorts of ` +
    `${config.cohortSize} images sharing one access list. ` +
    `Injected: ${config.latencyMs} ms of latency on every request; every job takes ${s(config.jobDurationMs)} s. ` +
    `Start state (the same seed for every variant, fresh fakes each time): ${fmt(100 * drift.missingShare, 1)}% of the ` +
    `${drift.desired} desired shares missing, ${fmt(100 * drift.extraShare, 1)}% of the ${drift.current} current members extra ` +
    `(${drift.extras}); ${drift.groups} distinct change groups (region, add or remove, same members). ` +
    `Requests are counted at the fakes; "job polls" are \`GET /v1/{project_id}/jobs/{job_id}\` (and the progress query), counted ` +
    `apart. (a) counts its plan and its apply (whose read-back lists every changed image again); the Terraform-like variants read ` +
    `each image's members once before changing it. One run each.\n\n` +
    table(
      ["variant", "images", "listings", "writes", "job polls", "requests in all", "wall time (s)", "second plan: time, changes, writes"],
      rows,
    ) +
    `\n\n` +
    table(["goal", "measured", ""], goals) +
    `\n\nPlan time against images: one region, ${config.projects} projects per image, the same drift, fresh fake each; median of ` +
    `${config.reps} plans after one warm-up plan (8 listings in flight: the default).\n\n` +
    table(
      ["latency per request", "images", "plan (ms)", "per image (ms)", `relative to linear from ${config.sizes[1]} images`],
      scaleRows,
    ) +
    `\n\nGrowth from ${config.sizes[0]} to ${config.sizes.at(-1)} images over linear: ${fmt(linearity(config.latencyMs))} with ` +
    `latency, ${fmt(linearity(0))} without (1.00 is linear).`;

  return {
    figures: {
      config,
      drift,
      terraformPollMs,
      project: a,
      projectWithoutReadBack: aBare,
      projectTuned: aTuned,
      terraformSequentialSubset: b,
      extrapolationFactor: factor,
      terraformParallel: c,
      listingMs,
      timeGoalMs,
      requestBudget,
      scaling,
    },
    markdown,
  };
}
