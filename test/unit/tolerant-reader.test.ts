// Strict in what is sent, tolerant in what is read: the client fails on what it relies on
// (a 2xx that is not JSON, a missing or mistyped job_id or status, an unknown status) and passes
// everything else through unchanged, nulls and unknown fields included.
import { afterEach, describe, expect, it } from "vitest";
import { createImsClient, ImsResponseError } from "../../src/index.js";
import { FAST_POLL, JOB_ID, PROJECT_ID } from "../helpers/fixtures.js";
import { inTurn, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

let server: ScriptedServer;
// Not every test starts a server.
afterEach(() => (server as ScriptedServer | undefined)?.close());

const running = {
  job_id: JOB_ID,
  job_type: null,
  begin_time: null,
  end_time: null,
  status: "RUNNING",
  error_code: null,
  fail_reason: null,
  entities: null,
  a_field_added_next_year: { nested: [1, null] },
};
const finished = {
  job_id: JOB_ID,
  status: "SUCCESS",
  end_time: "2024-11-06T06:33:34.181Z",
  entities: {
    results: [{ image_id: "d164b5df-1bc3-4c3f-893e-3e471fd16e64", project_id: null, status: "SUCCESS", extra: true }],
    process_percent: null,
    sub_jobs_list: null,
  },
};

function client() {
  return createImsClient({ endpoint: server.url, projectId: PROJECT_ID, auth: { token: "t" }, poll: FAST_POLL, retry: false });
}

describe("a running job described with nulls", () => {
  it("is waited on to the end, and every field reaches the caller unchanged", async () => {
    server = await startScriptedServer(inTurn({ body: running }, { body: finished }));
    const ims = client();
    const seen: unknown[] = [];
    const done = await ims.waitForJob(JOB_ID, { onProgress: (j) => seen.push(j) });
    expect(seen[0]).toEqual(running);
    expect(done).toEqual(finished);
  });

  it.each([
    ["end_time", null],
    ["begin_time", null],
    ["error_code", null],
    ["fail_reason", null],
    ["job_type", null],
    ["entities", null],
    ["entities", {}],
    ["entities", { results: null }],
    ["entities", { process_percent: null }],
    ["end_time", ""],
    ["unknown_field", "x"],
  ])("%s = %j passes", async (field, value) => {
    server = await startScriptedServer(() => ({ body: { job_id: JOB_ID, status: "RUNNING", [field]: value } }));
    await expect(client().getJob(JOB_ID)).resolves.toMatchObject({ [field]: value });
  });
});

describe("what the client relies on is checked", () => {
  it.each([
    ["no job_id", { status: "RUNNING" }, /job_id is required/],
    ["a numeric job_id", { job_id: 12345, status: "RUNNING" }, /job_id must be string/],
    ["no status", { job_id: JOB_ID }, /status is required/],
    ["a null status", { job_id: JOB_ID, status: null }, /status must be string/],
    ["an unknown status", { job_id: JOB_ID, status: "DONE" }, /status must be one of/],
  ])("%s is an ImsResponseError", async (_what, body, message) => {
    server = await startScriptedServer(() => ({ body }));
    const error = await client()
      .getJob(JOB_ID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsResponseError);
    expect((error as Error).message).toMatch(message);
  });

  it("a member list without member IDs is refused; unknown member fields pass", async () => {
    server = await startScriptedServer(
      inTurn(
        { body: { members: [{ member_id: PROJECT_ID, status: "pending", something_new: 1, member_type: null }] } },
        { body: { members: [{ status: "accepted" }] } },
      ),
    );
    const ims = client();
    await expect(ims.listImageMembersPage("d164b5df-1bc3-4c3f-893e-3e471fd16e64")).resolves.toEqual({
      members: [{ member_id: PROJECT_ID, status: "pending", something_new: 1, member_type: null }],
    });
    await expect(ims.listImageMembersPage("d164b5df-1bc3-4c3f-893e-3e471fd16e64")).rejects.toThrow(/members\[0\]\.member_id is required/);
  });
});
