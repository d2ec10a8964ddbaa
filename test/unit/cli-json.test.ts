// `--json`: every line is one event of JSON_EVENTS with exactly its documented fields, and every
// documented event is printed by some command (so the README's table, tested against
// JSON_EVENTS, is the truth about the code).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JSON_EVENTS, type JsonEventName } from "../../src/cli/main.js";
import {
  createManualClock,
  OWNER_PROJECT,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIms,
} from "../../src/fake/index.js";
import { cli, FAST_CLIENT, startCli, type CliEvent } from "../helpers/cli.js";

const JOB_MS = 1_000;
let fake: FakeIms;
beforeAll(async () => {
  fake = await startFakeIms({ clock: createManualClock(), jobDurationMs: JOB_MS });
});
afterAll(() => fake.close());

describe("JSON events", () => {
  const seen: CliEvent[] = [];

  it("are printed by the commands, each with its documented fields only", async () => {
    const owner = { env: { IMS_ENDPOINT: fake.url } };
    // accepted, progress, pollError, done
    const add = startCli(
      ["members", "add", "--image", SEED_IMAGES[0], "--member-project", "0123456789abcdef0123456789abcdef", "--wait", "--json"],
      owner,
    );
    await add.until(/"event":"accepted"/);
    fake.inject({ type: "drop", path: "/v1/cloudimages/job/", times: 1 });
    await add.until(/"event":"pollError"/);
    fake.advance(JOB_MS);
    expect(await add.done).toBe(0);
    const jobId = String(add.events()[0]?.jobId);
    // job, member, image, response, item, error, interrupted
    const runs = [
      add.events(),
      (await cli(["job", "show", jobId, "--json"], owner)).events,
      (await cli(["members", "list", "--image", SEED_IMAGES[0], "--project-id", OWNER_PROJECT, "--json"], owner)).events,
      (
        await cli(
          ["members", "show", "--image", SEED_IMAGES[0], "--member", SEED_PROJECTS[0], "--project-id", OWNER_PROJECT, "--json"],
          owner,
        )
      ).events,
      (
        await cli(["images", "shared", "--json"], {
          env: { IMS_ENDPOINT: fake.url, IMS_TOKEN: RECIPIENT_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID: RECIPIENT_PROJECT },
        })
      ).events,
      (await cli(["job", "show", "0123456789abcdef0123456789abcdef", "--json"], owner)).events,
      // nothing: no image from a project that shared none is pending
      (
        await cli(["accept", "--from", "0123456789abcdef0123456789abcdef", "--all-pending", "--json"], {
          env: { IMS_ENDPOINT: fake.url, IMS_TOKEN: RECIPIENT_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID: RECIPIENT_PROJECT },
        })
      ).events,
      // imported
      (
        await cli(["import", "--endpoint", fake.url, "--region", "cn-north-4", "--json"], {
          env: { HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT },
        })
      ).events,
      // response, item
      (await cli(["api", "showJobProgress", "--path", `job_id=${jobId}`, "--json"], owner)).events,
      (
        await cli(
          [
            "api",
            "listImageMembers",
            "--path",
            `image_id=${SEED_IMAGES[0]}`,
            "--query",
            "limit=1",
            "--paginate",
            "--project-id",
            OWNER_PROJECT,
            "--json",
          ],
          owner,
        )
      ).events,
    ];
    // project, quota, listed, copied, deleted, pinned: the commands of issue 18.
    const mine = { env: { IMS_ENDPOINT: fake.url, HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT } };
    runs.push((await cli(["project", "--json"], mine)).events);
    runs.push((await cli(["quota", "--json"], mine)).events);
    runs.push((await cli(["images", "list", "--type", "private", "--json"], mine)).events);
    const copy = startCli(["images", "copy", "--image", SEED_IMAGES[0], "--name", "json-copy", "--wait", "--json"], mine);
    await copy.until(/"event":"accepted"/);
    fake.advance(JOB_MS);
    expect(await copy.done).toBe(0);
    runs.push(copy.events());
    const copied = copy.events().find((e) => e.event === "copied")?.imageId as string;
    runs.push((await cli(["images", "delete", "--image", copied, "--yes", "--json"], mine)).events);
    fake.state.share(SEED_IMAGES[1], RECIPIENT_PROJECT, "pending");
    const recipient = { env: { IMS_ENDPOINT: fake.url, IMS_TOKEN: RECIPIENT_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID: RECIPIENT_PROJECT } };
    const pin = startCli(["members", "accept", "--image", SEED_IMAGES[1], "--pin", "{name}-json", "--wait", "--json"], {
      ...recipient,
      client: { ...FAST_CLIENT, fetch: (request: Request) => (fake.advance(JOB_MS), fetch(request)) },
    });
    expect(await pin.done, JSON.stringify(pin.events())).toBe(0);
    runs.push(pin.events());
    // plan, applyJob, report: a sharing file that adds a member and fails to add another.
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const file = `${await mkdtemp(`${tmpdir()}/ims-json-`)}/sharing.json`;
    await writeFile(
      file,
      JSON.stringify({
        regions: {
          "cn-north-4": {
            endpoint: fake.url,
            projectId: OWNER_PROJECT,
            images: {
              [SEED_IMAGES[1]]: { projects: [...SEED_PROJECTS, "0123456789abcdef0123456789abcdef"] },
            },
          },
        },
      }),
    );
    fake.inject({ type: "imageFailure", image: SEED_IMAGES[1], method: "POST", times: 1 });
    const ticking = { ...FAST_CLIENT, fetch: (request: Request) => (fake.advance(JOB_MS), fetch(request)) };
    runs.push((await cli(["plan", "-f", file, "--json"], { env: {}, client: ticking })).events);
    const applied = await cli(["apply", "-f", file, "--yes", "--json"], { env: {}, client: ticking });
    expect(applied.code).toBe(4);
    expect(applied.events.map((e) => `${e.event}${typeof e.type === "string" ? `:${e.type}` : ""}`)).toEqual([
      "plan",
      "applyJob:accepted",
      "applyJob:failed",
      "report",
    ]);
    runs.push(applied.events);

    const waiting = startCli(
      ["members", "delete", "--image", SEED_IMAGES[1], "--member-project", SEED_PROJECTS[0], "--wait", "--json"],
      owner,
    );
    await waiting.until(/"event":"progress"/);
    waiting.interrupt();
    expect(await waiting.done).toBe(130);
    runs.push(waiting.events());

    for (const events of runs) {
      for (const event of events) {
        const documented = JSON_EVENTS[event.event as JsonEventName];
        expect(documented, `undocumented event ${event.event}`).toBeDefined();
        expect(Object.keys(event).sort(), event.event).toEqual(["event", ...Object.keys(documented.fields)].sort());
        seen.push(event);
      }
    }
  });

  it("errors keep their fields (an Error alone would print {}), and images[].drift is null when unset", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const file = `${await mkdtemp(`${tmpdir()}/ims-json-`)}/sharing.json`;
    await writeFile(
      file,
      JSON.stringify({
        regions: {
          "cn-north-4": {
            endpoint: fake.url,
            projectId: OWNER_PROJECT,
            images: {
              [SEED_IMAGES[0]]: { projects: [...SEED_PROJECTS, "fedcba9876543210fedcba9876543210"] },
            },
          },
        },
      }),
    );
    fake.inject({ type: "status", status: 403, method: "POST", times: 1 });
    const ticking = { ...FAST_CLIENT, fetch: (r: Request) => (fake.advance(JOB_MS), fetch(r)) };
    const run = await cli(["apply", "-f", file, "--yes", "--json"], { env: {}, client: ticking });
    expect(run.code).toBe(4);
    const report = run.events.at(-1) as CliEvent & {
      jobs: Array<{ kind: string; error: unknown; jobId: unknown; job: unknown }>;
      images: Array<{ drift: unknown }>;
    };
    expect(report.event).toBe("report");
    expect(report.jobs.filter((j) => j.kind === "add")).toEqual([
      expect.objectContaining({
        status: "error",
        jobId: null,
        job: null,
        error: expect.objectContaining({ name: "ImsApiError", status: 403, message: expect.stringContaining("403") }),
      }),
    ]);
    expect(report.images.map((i) => i.drift)).toEqual([expect.objectContaining({ image: SEED_IMAGES[0] })]);
    const inSync = await cli(["apply", "-f", file, "--yes", "--json"], { env: {}, client: ticking });
    expect(inSync.code, inSync.stdout).toBe(0);
    const done = inSync.events.at(-1) as CliEvent & { images: Array<{ drift: unknown; verified: unknown }> };
    expect(done.images).toEqual([expect.objectContaining({ verified: true, drift: null })]);
  });

  it("every documented event was printed", () => {
    expect([...new Set(seen.map((e) => e.event))].sort()).toEqual(Object.keys(JSON_EVENTS).sort());
  });
});
