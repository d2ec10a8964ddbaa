// The fake's asynchronous writes are one record keyed by operation (src/fake/writes.ts): every
// x-ims-job operation of the table has its rules, the server answers each from them with the
// table's job type, and an injected image failure reports the rule's default code. Driven over
// HTTP with a manual clock.
import { afterEach, describe, expect, it } from "vitest";
import type { Job } from "../../generated/ims.js";
import { isJobOperation, OPERATION_IDS, operationSpec } from "../../src/operations.js";
import { WRITE_RULES } from "../../src/fake/writes.js";
import * as ims from "../../src/fake/index.js";

const { createManualClock, OWNER_PROJECT, OWNER_TOKEN, RECIPIENT_PROJECT, RECIPIENT_TOKEN, SEED_IMAGES, SEED_PROJECTS, startFakeIms } = ims;

let fake: ims.FakeIms | undefined;
afterEach(() => fake?.close());

const DURATION = 1_000;
const OTHER_PROJECT = "0123456789abcdef0123456789abcdef";

/** One request of each asynchronous write, by the tenant that may make it (`path`: its path parameters). */
const WRITES = {
  addImageMembers: { token: OWNER_TOKEN, project: OWNER_PROJECT, path: {}, body: { images: [SEED_IMAGES[0]], projects: [OTHER_PROJECT] } },
  deleteImageMembers: {
    token: OWNER_TOKEN,
    project: OWNER_PROJECT,
    path: {},
    body: { images: [SEED_IMAGES[0]], projects: [SEED_PROJECTS[0]] },
  },
  updateImageMembers: {
    token: RECIPIENT_TOKEN,
    project: RECIPIENT_PROJECT,
    path: {},
    body: { images: [SEED_IMAGES[0]], project_id: RECIPIENT_PROJECT, status: "rejected" },
  },
  copyImageInRegion: { token: RECIPIENT_TOKEN, project: RECIPIENT_PROJECT, path: { image_id: SEED_IMAGES[0] }, body: { name: "pinned" } },
} as const;
const DEFAULT_CODES = [
  ["addImageMembers", "IMG.0112", /^The job failed: /],
  ["deleteImageMembers", "IMG.0113", /^Failed to delete the tenant: /],
  ["updateImageMembers", "IMG.0112", /^The job failed: /],
  ["copyImageInRegion", "IMG.0000", /^Failed to copy the image: /],
] as const;

/** The request path of a write, its parameters filled in. */
const pathOf = (id: keyof typeof WRITES) =>
  operationSpec(id).path.replace(/\{(\w+)\}/g, (_, name: string) => (WRITES[id].path as Record<string, string>)[name] ?? "");

async function send(id: keyof typeof WRITES): Promise<Job> {
  const { method } = operationSpec(id);
  const path = pathOf(id);
  const { token, project, body } = WRITES[id];
  const headers = { "content-type": "application/json", "x-auth-token": token };
  const accepted = await fetch(`${fake!.url}${path}`, { method, headers, body: JSON.stringify(body) });
  expect(accepted.status).toBe(200);
  const { job_id } = (await accepted.json()) as { job_id: string };
  fake!.advance(DURATION);
  return (await (await fetch(`${fake!.url}/v1/${project}/jobs/${job_id}`, { headers })).json()) as Job;
}

describe("the write rules", () => {
  it("cover exactly the table's x-ims-job operations", () => {
    expect(Object.keys(WRITE_RULES).sort()).toEqual(OPERATION_IDS.filter(isJobOperation).sort());
    expect(Object.keys(WRITES).sort()).toEqual(Object.keys(WRITE_RULES).sort());
  });

  it.each(Object.keys(WRITES) as (keyof typeof WRITES)[])("%s starts a job of the table's job type, which succeeds", async (id) => {
    fake = await startFakeIms({ clock: createManualClock(), jobDurationMs: DURATION });
    expect(await send(id)).toMatchObject({ status: "SUCCESS", job_type: operationSpec(id).job?.type, error_code: null });
  });

  it.each(DEFAULT_CODES)("an image failure injected into %s reports %s unless the fault names a code", async (id, code, reason) => {
    const { method } = operationSpec(id);
    const path = pathOf(id);
    fake = await startFakeIms({
      clock: createManualClock(),
      jobDurationMs: DURATION,
      faults: [{ type: "imageFailure", image: SEED_IMAGES[0], method, path, times: 1 }],
    });
    const failed = await send(id);
    expect(failed).toMatchObject({ status: "FAIL", error_code: code });
    // A member job reports each pair; a copy has one image to make, and names none when it failed.
    if (id === "copyImageInRegion") expect(failed.entities?.image_id).toBeUndefined();
    else expect(failed.entities?.results).toEqual([expect.objectContaining({ image_id: SEED_IMAGES[0], status: "failed" })]);
    expect(failed.fail_reason).toMatch(reason);
    expect(failed.fail_reason).toContain("injected failure (imageFailure fault)");
  });
});
