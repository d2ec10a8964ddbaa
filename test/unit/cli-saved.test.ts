// Saved plans and targets on the command line, on the fake IMS: `plan -f FILE -o PLAN.json`
// prints the plan as `plan -f FILE` does and saves it; `apply PLAN.json` (told by its content)
// applies it, and refuses it (exit 1, naming the image, nothing sent) once a member changed;
// another format version is refused (exit 2); --target limits what is read and changed.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createManualClock, OWNER_PROJECT, SEED_IMAGES, SEED_PROJECTS, startFakeIms, type FakeIms } from "../../src/fake/index.js";
import { cli, FAST_CLIENT, runAsPrinted, type InProcessOptions } from "../helpers/cli.js";

const JOB_MS = 2_000;
const [IMAGE, IMAGE_2] = SEED_IMAGES;
const NEW_PROJECT = "0123456789abcdef0123456789abcdef";
const SOUTH_PROJECT = "fedcba9876543210fedcba9876543210";
let north: FakeIms;
let south: FakeIms;
let dir: string;
let file: string;
let saved: string;
let owner: InProcessOptions;

beforeEach(async () => {
  const clock = createManualClock();
  [north, south] = await Promise.all([
    startFakeIms({ clock, jobDurationMs: JOB_MS }),
    startFakeIms({ clock, jobDurationMs: JOB_MS, images: [{ id: IMAGE_2 }] }),
  ]);
  dir = await mkdtemp(`${tmpdir()}/ims-sharing-`);
  file = `${dir}/sharing.yaml`;
  saved = `${dir}/plan.json`;
  const region = (fake: FakeIms, images: object) => ({
    endpoint: fake.url,
    projectId: OWNER_PROJECT,
    credentials: { tokenEnv: "OWNER_IMS_TOKEN" },
    images,
  });
  await writeFile(
    file,
    stringify({
      regions: {
        "cn-north-4": region(north, { [IMAGE]: { projects: [SEED_PROJECTS[0]] }, [IMAGE_2]: { projects: [NEW_PROJECT] } }),
        "cn-south-1": region(south, { [IMAGE_2]: { projects: [SOUTH_PROJECT] } }),
      },
    }),
  );
  owner = { env: { OWNER_IMS_TOKEN: "owner-token" }, client: { ...FAST_CLIENT, fetch: (r) => (clock.advance(JOB_MS), fetch(r)) } };
});
afterEach(() => Promise.all([north.close(), south.close()]));

const writes = (fake: FakeIms) => fake.requests.filter((r) => r.method !== "GET");

describe("plan -o and apply PLAN.json", () => {
  it("saves the plan it prints, and applies exactly it", async () => {
    const shown = await cli(["plan", "-f", file], owner);
    const run = await cli(["plan", "-f", file, "-o", saved], owner);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${shown.stdout}Saved the plan to ${saved}; apply exactly it with: ims-sharing apply ${saved}\n`);
    const plan = JSON.parse(await readFile(saved, "utf8")) as Record<string, unknown>;
    expect(plan).toMatchObject({ format: "ims-sharing-plan", version: 1, targets: [] });
    expect(plan.file).toEqual({
      name: file,
      sha256: createHash("sha256")
        .update(await readFile(file))
        .digest("hex"),
    });
    expect(Object.keys((plan.desired as { regions: object }).regions)).toEqual(["cn-north-4", "cn-south-1"]);
    expect(writes(north)).toEqual([]);

    const apply = await cli(["apply", saved, "--yes"], owner);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(new RegExp(`^Saved plan ${saved}: made \\S+ from ${file} \\(sha256 [0-9a-f]{64}\\)\\.$`, "m"));
    expect(apply.stdout).toMatch(/^Applied: 4 requests, 3 images as the file says, 0 failed, 0 drifted\.$/m);
    expect(north.state.membersOf(IMAGE)).toEqual([SEED_PROJECTS[0]]);
    expect(north.state.membersOf(IMAGE_2)).toEqual([NEW_PROJECT]);
    expect(south.state.membersOf(IMAGE_2)).toEqual([SOUTH_PROJECT]);
    // Nothing left to do: the file now plans no change.
    expect((await cli(["plan", "-f", file, "--detailed-exitcode"], owner)).code).toBe(0);
  });

  it("refuses a plan whose image changed since (exit 1), naming the image and the change; nothing is sent", async () => {
    expect((await cli(["plan", "-f", file, "-o", saved], owner)).code).toBe(0);
    north.state.share(IMAGE, NEW_PROJECT, "pending");
    const run = await cli(["apply", saved, "--yes"], owner);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cn-north-4 image ${IMAGE} changed since the plan: project ${NEW_PROJECT} was added (pending)`);
    expect(run.stderr).not.toContain(IMAGE_2);
    expect([...writes(north), ...writes(south)]).toEqual([]);

    const json = await cli(["apply", saved, "--yes", "--json"], owner);
    expect(json.code).toBe(1);
    const error = json.events.at(-1) as { event: string; error: { name: string; images: { image: string }[] } };
    expect(error.event).toBe("error");
    expect(error.error.name).toBe("ImsStalePlanError");
    expect(error.error.images.map((i) => i.image)).toEqual([IMAGE]);
    expect([...writes(north), ...writes(south)]).toEqual([]);
  });

  it("refuses another format version (exit 2), and names a malformed field", async () => {
    expect((await cli(["plan", "-f", file, "-o", saved], owner)).code).toBe(0);
    const plan = JSON.parse(await readFile(saved, "utf8")) as Record<string, unknown>;
    await writeFile(saved, JSON.stringify({ ...plan, version: 2 }));
    const newer = await cli(["apply", saved, "--yes"], owner);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toContain(`${saved} version is 2, a newer format than this ims-sharing reads (version 1 only)`);
    await writeFile(saved, JSON.stringify({ ...plan, inSync: "none" }));
    const broken = await cli(["apply", saved, "--yes"], owner);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${saved} inSync must be a list of { region, image }`);
    expect([...north.requests, ...south.requests].filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("tells a saved plan from a sharing file by content, whatever its name", async () => {
    const named = `${dir}/reviewed.yaml`;
    expect((await cli(["plan", "-f", file, "-o", named], owner)).code).toBe(0);
    const misused = await cli(["plan", "-f", named], owner);
    expect(misused.code).toBe(2);
    expect(misused.stderr).toContain(`${named} is a saved plan, not a sharing file: apply it with \`ims-sharing apply ${named}\``);
    // A sharing file given where a plan may be is planned, as with -f.
    const asFile = await cli(["apply", file, "--yes"], owner);
    expect(asFile.code, asFile.stderr).toBe(0);
    expect(asFile.stdout).not.toContain("Saved plan");
    // The saved plan is now stale: everything it planned was done.
    expect((await cli(["apply", named, "--yes"], owner)).code).toBe(1);
    expect((await cli(["apply", named, "-f", file], owner)).code).toBe(2);
    expect((await cli(["apply", "--yes"], owner)).stderr).toContain('"apply" needs -f FILE (a sharing file) or PLAN');
  });
});

describe("the command plan -o prints", () => {
  // The built binary (npm run build), run in bash exactly as printed, on a fake with a real clock.
  it("works as printed: it asks without --yes (as every apply does), and applies the plan with it", async () => {
    const fake = await startFakeIms({ jobDurationMs: 10 });
    try {
      await writeFile(
        file,
        stringify({
          regions: {
            "cn-north-4": {
              endpoint: fake.url,
              projectId: OWNER_PROJECT,
              credentials: { tokenEnv: "OWNER_IMS_TOKEN" },
              images: { [IMAGE]: { projects: [SEED_PROJECTS[0]] } },
            },
          },
        }),
      );
      const plan = await cli(["plan", "-f", file, "-o", saved], owner);
      const printed = /apply exactly it with: (.+)$/m.exec(plan.stdout)?.[1];
      expect(printed).toBe(`ims-sharing apply ${saved}`);
      const env = { OWNER_IMS_TOKEN: "owner-token" };
      const asked = await runAsPrinted(printed!, env);
      expect(asked.code, asked.stderr).toBe(2);
      expect(asked.stdout).toContain(`Saved plan ${saved}: made `);
      expect(asked.stderr).toContain("without a terminal to ask on, pass --yes");
      const applied = await runAsPrinted(`${printed!} --yes`, env);
      expect(applied.code, applied.stderr).toBe(0);
      expect(fake.state.membersOf(IMAGE)).toEqual([SEED_PROJECTS[0]]);
    } finally {
      await fake.close();
    }
  });
});

describe("--target", () => {
  const listed = (fake: FakeIms) => fake.requests.filter((r) => r.method === "GET").map((r) => r.path);

  it("an image: only it is read; the summary and the JSON say the plan is partial", async () => {
    const run = await cli(["plan", "-f", file, "--target", `cn-north-4/${IMAGE_2}`], owner);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`; 0 in sync\\. Partial plan: only --target cn-north-4/${IMAGE_2}; the rest of the file was not read\\.\\n$`),
    );
    expect(listed(north)).toEqual([expect.stringContaining(IMAGE_2)]);
    expect(south.requests).toEqual([]);
    const json = await cli(["plan", "-f", file, "--target", `cn-north-4/${IMAGE_2}`, "--json"], owner);
    expect(json.events[0]).toMatchObject({ event: "plan", partial: true, targets: [`cn-north-4/${IMAGE_2}`], saved: null });
    const whole = await cli(["plan", "-f", file, "--json"], owner);
    expect(whole.events[0]).toMatchObject({ event: "plan", partial: false, targets: [] });
  });

  it("apply with regions as targets changes only them; a saved targeted plan stays partial", async () => {
    const run = await cli(["apply", "-f", file, "--target", "cn-south-1", "--yes"], owner);
    expect(run.code, run.stderr).toBe(0);
    expect(north.requests).toEqual([]);
    expect(writes(south)).toHaveLength(1);
    expect(south.state.membersOf(IMAGE_2)).toEqual([SOUTH_PROJECT]);

    expect((await cli(["plan", "-f", file, "--target", "cn-north-4", "-o", saved], owner)).code).toBe(0);
    const southRequests = south.requests.length;
    const apply = await cli(["apply", saved, "--yes"], owner);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain("Partial plan: only --target cn-north-4; the rest of the file was not read.");
    expect(south.requests).toHaveLength(southRequests);
    expect(north.state.membersOf(IMAGE)).toEqual([SEED_PROJECTS[0]]);
    // A saved plan is applied as it was made: --target cannot change it.
    const narrowed = await cli(["apply", saved, "--target", "cn-north-4", "--yes"], owner);
    expect(narrowed.code).toBe(2);
    expect(narrowed.stderr).toContain("is a saved plan, applied exactly as it was made: --target cannot change it");
  });

  it("a region or image not in the file is a usage error naming it, before anything is read", async () => {
    const other = "8d1c4c50-2e3f-4071-8c9d-1e2f3a4b5c6d";
    const run = await cli(["plan", "-f", file, "--target", "eu-west-101", "--target", `cn-south-1/${other}`], owner);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `--target eu-west-101 names region eu-west-101, which ${file} does not have (its regions: cn-north-4, cn-south-1)`,
    );
    expect(run.stderr).toContain(`--target cn-south-1/${other} names image ${other}, which regions.cn-south-1.images does not list`);
    expect([...north.requests, ...south.requests]).toEqual([]);
  });
});
