// `ims-sharing api OPERATION_ID`: any operation of the spec's table, in-process against the fake
// IMS on a manual clock. The table is iterated, so an operation added to the spec is covered with
// no edit here: its help, its validation before anything is sent, and (a read) its answer from
// the fake; a path parameter this file has no value for is named, so the test says what it needs.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { EXIT } from "../../src/cli/main.js";
import { createImsClient } from "../../src/client.js";
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
import { isJobOperation, isPaginated, OPERATION_IDS, operationSpec, type OperationId } from "../../src/operations.js";
import { cli, startCli, type InProcessOptions } from "../helpers/cli.js";

const JOB_MS = 1_000;
const [IMAGE] = SEED_IMAGES;
const MEMBER = SEED_PROJECTS[0];
const NEW_PROJECT = "0123456789abcdef0123456789abcdef";

let fake: FakeIms;
beforeEach(async () => {
  fake = await startFakeIms({ clock: createManualClock(), jobDurationMs: JOB_MS });
});
afterEach(() => fake.close());

// The fake answers IAM's operations too, on the same port.
const asOwner = (): InProcessOptions => ({
  env: { IMS_ENDPOINT: fake.url, HUAWEICLOUD_SDK_IAM_ENDPOINT: fake.url, HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT },
});
const owner = () =>
  createImsClient({ endpoint: fake.url, iamEndpoint: fake.url, auth: { token: "api-test-owner-token" }, projectId: OWNER_PROJECT });

/** A fetch that records what a run sent and answers nothing: a run that validates first sends nothing. */
function recorder() {
  const seen: string[] = [];
  const fetch = (request: Request) => {
    seen.push(`${request.method} ${request.url}`);
    return Promise.reject(new TypeError("fetch failed"));
  };
  return { seen, options: { env: { IMS_ENDPOINT: "http://127.0.0.1:9" }, client: { retry: { attempts: 1 }, fetch } } };
}

/** Values for path parameters, by name, that exist in the fake's seed state (project_id comes from --project-id). */
async function pathValues(): Promise<Record<string, string>> {
  const { jobId } = await owner().deleteImageMembers({ images: [SEED_IMAGES[1]], projects: [MEMBER] });
  fake.advance(JOB_MS);
  return { image_id: IMAGE, member_id: MEMBER, job_id: jobId };
}

/** `--path NAME=VALUE` for every path parameter of an operation but project_id. */
function pathArgs(id: OperationId, values: Record<string, string>): string[] {
  return operationSpec(id)
    .pathParams.filter((name) => name !== "project_id")
    .flatMap((name) => {
      const value = values[name];
      if (value === undefined) throw new Error(`${id}: give this test a value for its path parameter ${name} (in pathValues)`);
      return ["--path", `${name}=${value}`];
    });
}

describe("every operation of the table", () => {
  it.each(OPERATION_IDS)("%s --help: its method, path, summary and every parameter", async (id) => {
    const op = operationSpec(id);
    const run = await cli(["api", id, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: ims-sharing api ${id} `));
    expect(run.stdout).toContain(`${op.summary}: ${op.method} ${op.path}`);
    for (const name of [...op.pathParams, ...op.queryParams, ...Object.keys(op.input.body?.properties ?? {})])
      expect(run.stdout).toMatch(new RegExp(`^ {2}${name} +\\S`, "m"));
    if (isJobOperation(id)) expect(run.stdout).toContain("--wait follows the job");
    if (isPaginated(id)) expect(run.stdout).toContain("--paginate reads every page");
  });

  it.each(OPERATION_IDS)("%s: input the spec refuses exits 2 before anything is sent", async (id) => {
    const { seen, options } = recorder();
    const body = operationSpec(id).input.body ? ["--body", "{}"] : [];
    const run = await cli(["api", id, "--query", "no_such_parameter=1", ...body, "--project-id", OWNER_PROJECT], options);
    expect(run.code, run.stderr).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/^error: invalid input: .*no_such_parameter is not a query parameter of /m);
    expect(seen).toEqual([]);
  });

  it("each read answers from the fake (exit 0), with its body as JSON; a paginated one with every item", async () => {
    const values = await pathValues();
    const reads = OPERATION_IDS.filter((id) => operationSpec(id).method === "GET" && !isJobOperation(id));
    expect(reads.length).toBeGreaterThan(0);
    for (const id of reads) {
      const run = await cli(["api", id, ...pathArgs(id, values), "--json"], asOwner());
      expect(run.code, `${id}: ${run.stderr}`).toBe(0);
      expect(run.events).toEqual([{ event: "response", operationId: id, body: expect.any(Object) }]);
      const text = await cli(["api", id, ...pathArgs(id, values)], asOwner());
      expect(JSON.parse(text.stdout), id).toEqual(run.events[0]?.body);
      if (!isPaginated(id)) continue;
      // One item a page: every page is read.
      const input = {
        path: Object.fromEntries(
          operationSpec(id)
            .pathParams.filter((p) => p !== "project_id")
            .map((p) => [p, values[p]]),
        ),
      };
      const expected: unknown[] = [];
      for await (const item of owner().paginate(id, input as never)) expected.push(item);
      const paged = await cli(["api", id, ...pathArgs(id, values), "--query", "limit=1", "--paginate", "--json"], asOwner());
      expect(paged.code, paged.stderr).toBe(0);
      expect(paged.events).toEqual(expected.map((item) => ({ event: "item", operationId: id, item })));
      const array = await cli(["api", id, ...pathArgs(id, values), "--query", "limit=1", "--paginate"], asOwner());
      expect(JSON.parse(array.stdout)).toEqual(expected);
    }
  });
});

describe("api", () => {
  it("--help lists every operation of the table with its summary", async () => {
    const run = await cli(["api", "--help"]);
    expect(run.code).toBe(0);
    for (const id of OPERATION_IDS)
      expect(run.stdout).toMatch(new RegExp(`^ {2}${id} +${operationSpec(id).method} .*${operationSpec(id).summary}`, "m"));
  });

  it("an unknown operation is refused with the closest name", async () => {
    const run = await cli(["api", "listImageMember"]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe(
      'error: unknown operation "listImageMember"; did you mean "listImageMembers"? (every operation: ims-sharing api --help)\n' +
        "See: ims-sharing api --help\n",
    );
    expect((await cli(["api"])).stderr).toContain("error: api takes one OPERATION_ID");
  });

  it("turns --query values into the schema's types (limit=1 is a number), and refuses a word where it wants one", async () => {
    const run = await cli(["api", "listImageMembers", "--path", `image_id=${IMAGE}`, "--query", "limit=1"], asOwner());
    expect(run.code, run.stderr).toBe(0);
    expect(fake.requests.at(-1)?.path).toMatch(/\?limit=1$/);
    const words = await cli(["api", "listImageMembers", "--path", `image_id=${IMAGE}`, "--query", "limit=ten"], asOwner());
    expect(words.code).toBe(EXIT.usage);
    expect(words.stderr).toContain('error: invalid input: limit must be integer, got string "ten"');
  });

  it.each([
    [["showJobProgress", "--path", "job_id=abc", "--wait"], "--wait: showJobProgress starts no job (it answers at once)"],
    [["showJobProgress", "--path", "job_id=abc", "--paginate"], "--paginate: showJobProgress answers in one piece (it is not paginated)"],
    [
      ["showJobProgress", "--path", "image_id=abc"],
      "--path image_id: not a path parameter of showJobProgress (its path parameters: job_id)",
    ],
    [["showJobProgress", "--path", "job_id"], '--path "job_id": give NAME=VALUE'],
    [["showJobProgress", "--path", "job_id=a", "--path", "job_id=b"], "--path job_id is given more than once: it takes one value"],
    [["addImageMembers"], "addImageMembers takes a JSON body: give --body JSON, or --body @FILE"],
    [["addImageMembers", "--body", "{images"], "--body: not JSON ("],
    [["addImageMembers", "--body", "@/no/such/file.json"], "--body @/no/such/file.json: cannot read the file ("],
    [["showJobProgress", "--path", "job_id=abc", "--body", "{}"], "invalid input: body showJobProgress takes no body"],
  ])("%j: refused (exit 2) before anything is sent", async (args, message) => {
    const { seen, options } = recorder();
    const run = await cli(["api", ...args], options);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain(`error: ${message}`);
    expect(seen).toEqual([]);
  });

  it("a job operation: the job at once, then followed with --wait as the named commands do; the body from @FILE", async () => {
    const file = `${await mkdtemp(`${tmpdir()}/ims-api-`)}/body.json`;
    await writeFile(file, JSON.stringify({ images: [IMAGE], projects: [NEW_PROJECT] }));
    const run = startCli(["api", "addImageMembers", "--body", `@${file}`, "--wait"], asOwner());
    await run.until(/INIT/);
    fake.advance(JOB_MS);
    expect(await run.done).toBe(0);
    expect(run.stdout()).toMatch(
      /^accepted: job (\w{32})\njob \1: INIT \([\d.]+s\)\njob \1: SUCCESS \([\d.]+s\)\njob \1 succeeded at \S+\n$/,
    );
    expect(fake.state.memberStatus(IMAGE, NEW_PROJECT)).toBe("pending");

    const recipient = { env: { IMS_ENDPOINT: fake.url, IMS_TOKEN: RECIPIENT_TOKEN } };
    const body = JSON.stringify({ images: [IMAGE], project_id: RECIPIENT_PROJECT, status: "rejected" });
    const answered = await cli(["api", "updateImageMembers", "--body", body, "--json"], recipient);
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.events).toEqual([
      {
        event: "accepted",
        jobId: expect.stringMatching(/^\w{32}$/),
        requestId: expect.any(String),
        resume: expect.stringContaining("ims-sharing job wait "),
      },
    ]);
  });

  it("a change whose answer was lost: the commands that show whether it took effect, from the spec's check rules", async () => {
    fake.inject({ type: "dropAnswer", method: "POST", times: 1 });
    const body = JSON.stringify({ images: [IMAGE], projects: [NEW_PROJECT] });
    const run = await cli(["api", "addImageMembers", "--body", body], asOwner());
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toContain(
      `check with: ims-sharing members list --image ${IMAGE} --endpoint ${fake.url} --project-id ${OWNER_PROJECT}\n`,
    );
  });
});
