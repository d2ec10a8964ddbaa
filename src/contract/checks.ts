/**
 * The contract checks: requests through Prism's validating proxy to an upstream (the fake IMS, or
 * a real endpoint), each exchange checked for violations of the spec, each answer for what the
 * client makes of it, and every change read back. A few requests go straight to the upstream,
 * where Prism would answer for it (a request without credentials, an invalid body).
 *
 * - The first violation ends a check at once, reported with its exchange; retries and failed
 *   polls on the way are reported too, never hidden.
 * - Read-only by default: against a real account only reads and harmless negative requests run,
 *   unless the caller names the images (and member projects, or a recipient tenant) that the
 *   writes may change. Every write is confirmed by reading the state back.
 * - There is a check for every operation of the table (generated/operations.ts): the reads are
 *   generated from it (every 200 answer validated, every page walked), the writes are the
 *   sharing round trips.
 */
import { operations, type OperationId } from "../../generated/operations.js";
import { secretsOf, type ImsAuth } from "../auth.js";
import { createImsClient, type ImsClient } from "../client.js";
import { ImsApiError, ImsJobFailedError } from "../errors.js";
import { createRedactor } from "../redact.js";
import { retryPolicy, type RetryEvent } from "../retry.js";
import { createSigner } from "../signer.js";
import { sleep } from "../signals.js";
import { operationSpec, preset } from "../operations.js";
import { createTransport, type SendInput, type Transport } from "../transport.js";
import type { PollErrorEvent, PollOptions, WaitOptions } from "../wait.js";
import {
  ContractViolationError,
  createObserver,
  describeExchange,
  UpstreamUnreachableError,
  type Exchange,
  type Observer,
} from "./observe.js";
import { itemKey, maxPageSize, PagingError, walkPages } from "./paging.js";
import { loadSpec, type ContractSpec } from "./spec.js";

/** A second tenant: the project images are shared with, which accepts and rejects them. */
export interface ContractRecipient {
  auth: ImsAuth;
  projectId: string;
}

export interface ContractTarget {
  /** The validating proxy's URL (`prism proxy SPEC UPSTREAM --errors`). */
  baseUrl: string;
  /** The upstream itself, for the checks Prism would answer for (no credentials, an invalid body). */
  upstream?: string | undefined;
  auth: ImsAuth;
  projectId?: string | undefined;
  /** With AK/SK: the upstream's host, which the proxy forwards to. */
  signingHost?: string | undefined;
  /** Your images the writes may change (share, unshare); the reads list their members. */
  images?: string[] | undefined;
  /** Projects the one-tenant write may share the images with and unshare them from. */
  memberProjects?: string[] | undefined;
  /** A second tenant, for the two-tenant round trip. */
  recipient?: ContractRecipient | undefined;
  /** Jobs to read (besides those the writes start). */
  jobs?: string[] | undefined;
  /** The longest a job may take (default 5 minutes). */
  timeoutMs?: number | undefined;
  poll?: PollOptions | undefined;
  /** The time limit for one request (default 30 s). */
  requestTimeoutMs?: number | undefined;
  /** How long a read-back may lag behind a job's SUCCESS before the change counts as not made (default 10 s). */
  readBackMs?: number | undefined;
  /** The bundled spec (default: the package's own). */
  spec?: string | undefined;
  /** Set when the upstream is ims-sharing's own fake IMS (it says so on every answer). */
  fake?: { verifiesSignatures: boolean } | undefined;
  /** The command that starts a fake which verifies signatures, for the hint when this one does not. */
  verifyingFakeCommand?: string | undefined;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Why the check did not run. */
  skipped?: string;
  /** What went wrong, one line each: failed expectations and the violation that ended the check. */
  problems: string[];
  /** Retried requests and failed polls: reported even when the check passed in the end. */
  notes: string[];
  /** What the check did that a reader should know (a share set up first). */
  info?: string[];
  exchanges: Exchange[];
  /** The exchange whose violation ended the check. */
  violation?: Exchange;
  /** Set when the upstream could not be reached: no verdict. */
  unreachable?: string;
  ms: number;
}

/** What the checks of one run share: the jobs the writes started, for the job reads. */
export interface RunState {
  jobs: string[];
}

export interface CheckContext {
  target: ContractTarget;
  spec: ContractSpec;
  owner: ImsClient;
  ownerTransport: Transport;
  recipient?: { client: ImsClient; transport: Transport; projectId: string } | undefined;
  /** A client that calls the upstream itself, past Prism (no retries). */
  direct?: ImsClient | undefined;
  observer: Observer;
  /** Aborts when the check is stopped (its first violation). */
  signal: AbortSignal;
  run: RunState;
  /** Options for every wait for a job: the run's limit and schedule, failed polls reported. */
  wait: WaitOptions;
  /** Ends the check with a failed expectation. */
  fail(message: string): never;
  /** Ends the check as skipped. */
  skip(reason: string): never;
  /** Reports a retry or a failed poll: something that went wrong on the way and was overcome. */
  note(message: string): void;
  /** Reports what the check did besides its plan (a share it had to stop first). */
  info(message: string): void;
}

export interface Check {
  name: string;
  /** The operations the check calls (every operation of the table is covered by some check). */
  operations: readonly OperationId[];
  /** It changes sharing. */
  writes?: boolean;
  /** Violations are the expected outcome of this check (an invalid request sent on purpose). */
  expectsViolations?: boolean;
  /** Why it cannot run against this target, if it cannot. */
  skip?(target: ContractTarget): string | undefined;
  run(ctx: CheckContext): Promise<void>;
}

class CheckFailed extends Error {}
class CheckSkipped extends Error {}

/** Ends the check with a failed expectation. */
function fail(message: string): never {
  throw new CheckFailed(message);
}

/** Ends the check as skipped (what it needs is not there). */
function skip(reason: string): never {
  throw new CheckSkipped(reason);
}

const randomHex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");
const randomUuid = () => `${randomHex(8)}-${randomHex(4)}-4${randomHex(3)}-8${randomHex(3)}-${randomHex(12)}`;
const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
const DEFAULT_TIMEOUT_MS = 300_000;

// ---- Expectations shared by the checks. ----

/**
 * The refusal of something that does not exist: an `ImsApiError` with a status the operation
 * declares, 4xx but neither 401/403 (credentials refused) nor 429 (throttled), in a documented
 * error shape.
 */
function expectNotFoundRefusal(ctx: CheckContext, error: unknown, operation: OperationId, what: string): void {
  if (!(error instanceof ImsApiError)) fail(`${what}: expected a refusal from IMS, got ${describe(error)}`);
  const declared = ctx.spec.statuses(operation);
  if (error.status === 401 || error.status === 403) {
    fail(
      `${what}: expected a documented 4xx other than 401/403, got ${error.status}${error.code ? ` ${error.code}` : ""}: the credentials were refused, so nothing else was checked`,
    );
  }
  if (error.status < 400 || error.status >= 500 || error.status === 429) {
    fail(`${what}: expected a documented 4xx other than 401/403, got ${error.status}${error.code ? ` ${error.code}` : ""}`);
  }
  if (!declared.includes(error.status))
    fail(`${what}: ${error.status} is not a status the spec declares for ${operation} (${declared.join(", ")})`);
  if (!error.fromIms) fail(`${what}: the ${error.status} answer has neither documented error shape: ${JSON.stringify(error.body)}`);
}

/** An answer read by hand. */
interface Answer {
  status: number;
  text: string;
  requestId: string | null;
}

async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, text: await response.text(), requestId: response.headers.get("x-request-id") };
}

/** A status, a documented error body and an `X-Request-Id`, on an answer read by hand. */
function expectErrorAnswer(ctx: CheckContext, answer: Answer, expected: number, what: string, shape: "any" | "gateway" = "any"): void {
  const { status, text } = answer;
  const excerpt = text.replace(/\s+/g, " ").slice(0, 300);
  if (status !== expected) fail(`${what}: expected ${expected}, got ${status}: ${excerpt}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`${what}: the ${expected} answer is not JSON: ${excerpt}`);
  }
  const issues = ctx.spec.errorBodyIssues(body);
  if (issues.length)
    fail(
      `${what}: the ${expected} answer has neither documented error shape (${issues.map((i) => `${i.path} ${i.message}`).join("; ")}): ${excerpt}`,
    );
  if (shape === "gateway") {
    const b = body as { error_code?: unknown; error_msg?: unknown };
    if (typeof b.error_code !== "string" || !b.error_code.startsWith("APIGW.") || typeof b.error_msg !== "string") {
      fail(`${what}: expected the gateway's shape {"error_code": "APIGW.…", "error_msg": …}, got ${excerpt}`);
    }
  }
  if (!answer.requestId) fail(`${what}: the ${expected} answer has no X-Request-Id header`);
}

/**
 * Reads the state back until `probe` finds nothing wrong, for up to `readBackMs` (a read may lag
 * behind a job's end); then fails with what is still wrong.
 */
async function readBack(ctx: CheckContext, after: string, probe: () => Promise<string | undefined>): Promise<void> {
  const limit = ctx.target.readBackMs ?? 10_000;
  const started = Date.now();
  for (;;) {
    const wrong = await probe();
    if (wrong === undefined) return;
    if (Date.now() - started >= limit)
      fail(`${after}, the change did not happen: ${wrong} (read back for ${Math.round(limit / 100) / 10} s)`);
    await sleep(Math.min(500, limit), ctx.signal);
  }
}

/** An image's members, every page (loops and repeats caught), by member ID. */
async function membersOf(ctx: CheckContext, image: string): Promise<Map<string, string>> {
  const walk = await walkPages(
    ctx.ownerTransport,
    "listImageMembers",
    { path: { image_id: image } },
    { pageSize: maxPageSize("listImageMembers"), signal: ctx.signal },
  );
  return new Map(walk.items.map((m) => [itemKey(m), String(m.status)]));
}

/** The images shared with the recipient whose share is `status`, every page. */
async function sharedWith(ctx: CheckContext, status: "pending" | "accepted" | "rejected"): Promise<Set<string>> {
  const recipient = ctx.recipient!;
  const query = { ...preset("listImages", "shared"), member_status: status };
  const walk = await walkPages(recipient.transport, "listImages", { query }, { pageSize: maxPageSize("listImages"), signal: ctx.signal });
  return new Set(walk.items.map(itemKey));
}

const remember = (ctx: CheckContext, job: { job_id: string }) => ctx.run.jobs.push(job.job_id);

// ---- Negative checks: safe on any account. ----

const noCredentials: Check = {
  name: "without credentials, the upstream itself answers 401 in a documented error shape (Prism would answer for it)",
  operations: ["showJobProgress"],
  skip: (target) => (target.upstream ? undefined : "needs the upstream's URL"),
  async run(ctx) {
    const url = `${ctx.target.upstream!.replace(/\/+$/, "")}/v1/cloudimages/job/${randomHex(32)}`;
    const response = await ctx.observer.fetch("direct", { direct: true })(new Request(url, { redirect: "manual", signal: ctx.signal }));
    expectErrorAnswer(ctx, await answerOf(response), 401, "GET /v1/cloudimages/job/{unknown} without credentials");
  },
};

const wrongSignature: Check = {
  name: "a request with a wrong AK/SK signature is refused with 401 in the gateway's shape (APIGW.…)",
  operations: ["showJobProgress"],
  // A fake that accepts any signature says so: its answer to a wrong one says nothing about IMS.
  skip: (target) =>
    target.fake && !target.fake.verifiesSignatures
      ? "cannot be judged: the upstream is ims-sharing's own fake IMS, started without signature checking, so it accepts any signature; " +
        `start it with signature checking: ${target.verifyingFakeCommand ?? "ims-sharing fake --verify-signatures"} (or startFakeIms({ credentials: LOCAL_CREDENTIALS }))`
      : undefined,
  async run(ctx) {
    const { target } = ctx;
    const accessKey = "accessKey" in target.auth ? target.auth.accessKey : `HPUA${randomHex(16).toUpperCase()}`;
    const signer = createSigner({ accessKey, secretKey: `not-the-secret-key-${randomHex(16)}` });
    const url = `${target.baseUrl}/v1/cloudimages/job/${randomHex(32)}`;
    const headers: Record<string, string> = target.projectId ? { "x-project-id": target.projectId } : {};
    const host = target.signingHost ?? (target.upstream ? new URL(target.upstream).host : undefined);
    const { headers: signed } = await signer.sign({ method: "GET", url, headers }, { host });
    const response = await ctx.observer.fetch("owner")(
      new Request(url, { headers: { ...headers, ...signed }, redirect: "manual", signal: ctx.signal }),
    );
    expectErrorAnswer(ctx, await answerOf(response), 401, "GET /v1/cloudimages/job/{unknown} with a wrong signature", "gateway");
  },
};

const unknownJobProgress: Check = {
  name: "an unknown job's progress is refused with a documented 4xx other than 401/403",
  operations: ["showJobProgress"],
  async run(ctx) {
    const error = await ctx.owner.getJobProgress(randomHex(32), { signal: ctx.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error === undefined) fail("GET /v1/cloudimages/job/{unknown}: answered 200 for a job that does not exist");
    expectNotFoundRefusal(ctx, error, "showJobProgress", "GET /v1/cloudimages/job/{unknown}");
  },
};

const unknownJobStatus: Check = {
  name: "an unknown job's status is refused with a documented 4xx other than 401/403",
  operations: ["showJob"],
  skip: (target) => (target.projectId ? undefined : "needs a project ID (--project-id)"),
  async run(ctx) {
    const error = await ctx.owner.getJob(randomHex(32), { signal: ctx.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error === undefined) fail("GET /v1/{project_id}/jobs/{unknown}: answered 200 for a job that does not exist");
    expectNotFoundRefusal(ctx, error, "showJob", "GET /v1/{project_id}/jobs/{unknown}");
  },
};

const INVALID_BODY = { images: [], projects: ["not-a-project-id"] };

const prismRefusesInvalidBody: Check = {
  name: "Prism itself refuses an invalid request body (422, not forwarded), naming the bad fields",
  operations: ["deleteImageMembers"],
  expectsViolations: true,
  async run(ctx) {
    const { response } = await ctx.owner.api.DELETE("/v1/cloudimages/members", {
      body: INVALID_BODY as never,
      parseAs: "text",
      signal: ctx.signal,
    });
    const exchange = ctx.observer.exchanges.at(-1);
    if (response.ok) fail(`expected a refusal, got ${response.status}`);
    if (!exchange || exchange.answeredBy !== "prism")
      fail(`expected Prism to refuse it without forwarding, but the upstream answered ${response.status}`);
    const violations = JSON.stringify(exchange.violations);
    for (const field of ["images", "projects"]) {
      if (!violations.includes(`"${field}"`)) fail(`the violations do not name ${field}: ${violations}`);
    }
  },
};

const upstreamRefusesInvalidBody: Check = {
  name: "the upstream itself refuses an invalid request body with a documented 400 (sent past Prism)",
  operations: ["deleteImageMembers"],
  skip: (target) => (target.upstream ? undefined : "needs the upstream's URL"),
  async run(ctx) {
    const { data, error, response } = await ctx.direct!.api.DELETE("/v1/cloudimages/members", {
      body: INVALID_BODY as never,
      parseAs: "text",
      signal: ctx.signal,
    });
    const body = response.ok ? data : error;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    if (response.ok)
      fail(`the upstream accepted an invalid body (${JSON.stringify(INVALID_BODY)}) with ${response.status}: ${text.slice(0, 300)}`);
    expectErrorAnswer(
      ctx,
      { status: response.status, text, requestId: response.headers.get("x-request-id") },
      400,
      "DELETE /v1/cloudimages/members with an invalid body",
    );
  },
};

const unknownImage: Check = {
  name: "stopping the sharing of an image that does not exist is refused (documented 4xx, not 401/403) or fails as a job",
  operations: ["deleteImageMembers"],
  async run(ctx) {
    const { target } = ctx;
    const body = { images: [randomUuid()], projects: [target.memberProjects?.[0] ?? target.recipient?.projectId ?? randomHex(32)] };
    try {
      const job = await ctx.owner.unshareImages(body, { ...ctx.wait, onAccepted: (jobId) => ctx.run.jobs.push(jobId) });
      fail(`expected a refusal or a failed job, got job ${job.job_id} ${job.status}`);
    } catch (error) {
      if (error instanceof CheckFailed || error instanceof ContractViolationError || error instanceof UpstreamUnreachableError) throw error;
      if (error instanceof ImsJobFailedError) return;
      expectNotFoundRefusal(ctx, error, "deleteImageMembers", "DELETE /v1/cloudimages/members (an unknown image)");
    }
  },
};

// ---- The writes: each set up first, each change read back. ----

const stopSharing: Check = {
  name: "stop sharing: the named images are shared with the member projects first, then unshared; each change read back",
  operations: ["addImageMembers", "deleteImageMembers", "listImageMembers"],
  writes: true,
  skip: (target) =>
    target.images?.length && target.memberProjects?.length
      ? target.projectId
        ? undefined
        : "needs a project ID (--project-id) to read the members back"
      : "changes sharing: name the images and member projects it may change (--image, --member-project)",
  async run(ctx) {
    const images = ctx.target.images!;
    const projects = ctx.target.memberProjects!;
    const missing = async (present: boolean) => {
      const wrong: string[] = [];
      for (const image of images) {
        const members = await membersOf(ctx, image);
        for (const project of projects)
          if (members.has(project) !== present) wrong.push(`${project} is ${present ? "not " : "still "}a member of ${image}`);
      }
      return wrong.length ? wrong.join("; ") : undefined;
    };
    const shared = await ctx.owner.shareImages({ images, projects }, ctx.wait);
    remember(ctx, shared);
    await readBack(ctx, `after sharing (job ${shared.job_id} ${shared.status})`, () => missing(true));
    const unshared = await ctx.owner.unshareImages({ images, projects }, ctx.wait);
    remember(ctx, unshared);
    await readBack(ctx, `after unsharing (job ${unshared.job_id} ${unshared.status})`, () => missing(false));
  },
};

const roundTrip: Check = {
  name: "two tenants: share → the recipient sees it pending → accept → the owner sees it accepted → reject → the owner sees it rejected → unshare → the recipient no longer sees it",
  operations: ["addImageMembers", "updateImageMembers", "deleteImageMembers", "listImageMembers", "showImageMember", "listImages"],
  writes: true,
  skip: (target) =>
    !target.recipient
      ? "needs a second tenant's credentials (--recipient-* flags or HUAWEICLOUD_SDK_RECIPIENT_* variables)"
      : !target.images?.length
        ? "changes sharing: name an image of yours it may share with the recipient (--image)"
        : !target.projectId
          ? "needs the owner's project ID (--project-id)"
          : undefined,
  async run(ctx) {
    const image = ctx.target.images!.at(-1)!;
    const recipient = ctx.recipient!;
    const project = recipient.projectId;
    const body = { images: [image], projects: [project] };
    const memberStatus = async () => (await membersOf(ctx, image)).get(project);
    const ownerSees = (status: string) => async () => {
      const listed = await memberStatus();
      if (listed !== status)
        return `the owner lists the recipient ${listed ? `as ${listed}` : "not at all"} among ${image}'s members, expected ${status}`;
      const member = await ctx.owner.getImageMember(image, project, { signal: ctx.signal });
      return member.status === status ? undefined : `the owner reads the member as ${member.status}, expected ${status}`;
    };
    const recipientSees = (status: "pending" | "accepted" | "rejected") => async () =>
      (await sharedWith(ctx, status)).has(image) ? undefined : `the recipient does not list ${image} among its ${status} shared images`;

    // Set up: a share left from an earlier run (or the account's own) would not start pending.
    const before = await memberStatus();
    if (before !== undefined) {
      ctx.info(`set up: ${image} was already shared with the recipient (${before}): unsharing it first`);
      const cleared = await ctx.owner.unshareImages(body, ctx.wait);
      remember(ctx, cleared);
      await readBack(ctx, `setting up (job ${cleared.job_id})`, async () =>
        (await memberStatus()) === undefined ? undefined : "the recipient is still a member",
      );
    }

    const shared = await ctx.owner.shareImages(body, ctx.wait);
    remember(ctx, shared);
    await readBack(ctx, `after sharing (job ${shared.job_id})`, ownerSees("pending"));
    await readBack(ctx, `after sharing (job ${shared.job_id})`, recipientSees("pending"));

    const accepted = await recipient.client.acceptImages([image], ctx.wait);
    await readBack(ctx, `after accepting (job ${accepted.job_id})`, ownerSees("accepted"));
    await readBack(ctx, `after accepting (job ${accepted.job_id})`, recipientSees("accepted"));

    const rejected = await recipient.client.rejectImages([image], ctx.wait);
    await readBack(ctx, `after rejecting (job ${rejected.job_id})`, ownerSees("rejected"));
    await readBack(ctx, `after rejecting (job ${rejected.job_id})`, recipientSees("rejected"));

    const unshared = await ctx.owner.unshareImages(body, ctx.wait);
    remember(ctx, unshared);
    await readBack(ctx, `after unsharing (job ${unshared.job_id})`, async () =>
      (await memberStatus()) === undefined ? undefined : "the owner still lists the recipient as a member",
    );
    await readBack(ctx, `after unsharing (job ${unshared.job_id})`, async () => {
      for (const status of ["pending", "accepted", "rejected"] as const) {
        if ((await sharedWith(ctx, status)).has(image)) return `the recipient still lists ${image} among its ${status} shared images`;
      }
      return undefined;
    });
  },
};

// ---- The reads, generated from the operation table. ----

/** The values to try for a query parameter: a required one-value enum is that value; an optional enum each value, and none. */
function queryVariants(id: OperationId): Array<Record<string, string | undefined>> {
  const spec = operationSpec(id);
  let variants: Array<Record<string, string | undefined>> = [{}];
  for (const name of spec.queryParams) {
    if (spec.pagination && (name === spec.pagination.limit || name === spec.pagination.marker)) continue;
    const values = spec.input.query?.[name]?.enum?.filter((v): v is string => typeof v === "string");
    if (!values?.length) continue;
    const choices: Array<string | undefined> = spec.requiredQuery.includes(name) ? values : [undefined, ...values];
    variants = variants.flatMap((v) => choices.map((c) => ({ ...v, [name]: c })));
  }
  return variants;
}

/** `?a=1&b=2` for a report. */
const showQuery = (query: Record<string, unknown> | undefined) => {
  const entries = Object.entries(query ?? {}).filter(([, v]) => v !== undefined);
  return entries.length ? `?${entries.map(([k, v]) => `${k}=${String(v)}`).join("&")}` : "";
};

/** Walks a paginated read twice, one big page and small pages, and fails when the two disagree. */
async function checkPaging(ctx: CheckContext, transport: Transport, id: OperationId, input: SendInput, who: string): Promise<void> {
  const spec = operationSpec(id);
  const where = `${who}: ${spec.method} ${spec.path}${showQuery(input.query)}`;
  const whole = await walkPages(transport, id, input, { pageSize: maxPageSize(id), signal: ctx.signal });
  const pageSize = Math.max(1, Math.ceil(whole.items.length / 3));
  const paged = await walkPages(transport, id, input, { pageSize, signal: ctx.signal, maxPages: whole.items.length + 5 });
  const a = new Set(whole.items.map(itemKey));
  const b = new Set(paged.items.map(itemKey));
  const onlyWhole = [...a].filter((k) => !b.has(k));
  const onlyPaged = [...b].filter((k) => !a.has(k));
  if (onlyWhole.length || onlyPaged.length) {
    fail(
      `${where}: one page of ${whole.pageSize} and ${paged.pages} pages of ${pageSize} list different items${onlyWhole.length ? `; missing from the small pages: ${onlyWhole.join(", ")}` : ""}${onlyPaged.length ? `; missing from the big page: ${onlyPaged.join(", ")}` : ""}: a page drops items`,
    );
  }
}

function readCheck(id: OperationId): Check {
  const spec = operationSpec(id);
  const needs = (name: string) => spec.pathParams.includes(name);
  return {
    name: `${spec.method} ${spec.path} (${id}): 200 answers in the documented shape${spec.pagination ? ", every page walked" : ""}`,
    operations: needs("member_id") ? [id, "listImageMembers"] : [id],
    skip(target) {
      if (needs("project_id") && !target.projectId) return "needs a project ID (--project-id)";
      if (needs("image_id") && !target.images?.length) return "needs an image of yours to read (--image)";
      return undefined;
    },
    async run(ctx) {
      const callers: Array<{ who: string; transport: Transport }> = [{ who: "owner", transport: ctx.ownerTransport }];
      if (operations[id].caller === "recipient" && ctx.recipient) callers.push({ who: "recipient", transport: ctx.recipient.transport });
      // Path parameters: the named images, their members (read first), the jobs of this run.
      let inputs: SendInput[] = [{}];
      if (needs("image_id")) inputs = ctx.target.images!.map((image) => ({ path: { image_id: image } }));
      if (needs("member_id")) {
        const withMembers: SendInput[] = [];
        for (const input of inputs) {
          const members = await membersOf(ctx, input.path!.image_id!);
          for (const member of [...members.keys()].slice(0, 3)) withMembers.push({ path: { ...input.path, member_id: member } });
        }
        if (!withMembers.length) skip(`the images have no members to read (${ctx.target.images!.join(", ")})`);
        inputs = withMembers;
      }
      if (needs("job_id")) {
        const jobs = [...new Set([...(ctx.target.jobs ?? []), ...ctx.run.jobs])].slice(-3);
        if (!jobs.length) skip("needs a job: name one (--job), or let the suite change sharing (--image with --member-project)");
        inputs = jobs.map((job) => ({ path: { job_id: job } }));
      }
      inputs = inputs.flatMap((input) => queryVariants(id).map((query) => ({ ...input, query })));
      for (const { who, transport } of callers) {
        for (const input of inputs) {
          if (spec.pagination) await checkPaging(ctx, transport, id, input, who);
          else await transport.send(id, input, { signal: ctx.signal });
        }
      }
    },
  };
}

const GETS = (Object.keys(operations) as OperationId[]).filter((id) => operationSpec(id).method === "GET");
const readsAfterWrites = (id: OperationId) => operationSpec(id).pathParams.includes("job_id");

/**
 * Every check, in the order they run: the negative ones, the reads (generated from the table:
 * before the writes, so that listings still hold what the account had), the writes, then the
 * reads of the jobs the writes started.
 */
export const CHECKS: readonly Check[] = [
  noCredentials,
  wrongSignature,
  unknownJobProgress,
  unknownJobStatus,
  prismRefusesInvalidBody,
  upstreamRefusesInvalidBody,
  unknownImage,
  ...GETS.filter((id) => !readsAfterWrites(id)).map(readCheck),
  stopSharing,
  roundTrip,
  ...GETS.filter(readsAfterWrites).map(readCheck),
];

/** The operations no check calls (empty: every operation of the table is covered). */
export function uncoveredOperations(checks: readonly Check[] = CHECKS): OperationId[] {
  const covered = new Set(checks.flatMap((c) => c.operations));
  return (Object.keys(operations) as OperationId[]).filter((id) => !covered.has(id));
}

// ---- Running them. ----

export interface RunChecksOptions {
  checks?: readonly Check[] | undefined;
  /** Called with each result as soon as its check has ended. */
  onResult?: ((result: CheckResult) => void) | undefined;
  /** Stops the run (Ctrl-C): the check under way is abandoned, no other starts. */
  signal?: AbortSignal | undefined;
}

/** Runs every check against `target` and reports each, violations spelled out. */
export async function runContractChecks(target: ContractTarget, options: RunChecksOptions | readonly Check[] = {}): Promise<CheckResult[]> {
  const {
    checks = CHECKS,
    onResult,
    signal,
  } = Array.isArray(options) ? { checks: options as readonly Check[] } : (options as RunChecksOptions);
  const spec = loadSpec(target.spec);
  const redact = createRedactor([...secretsOf(target.auth), ...(target.recipient ? secretsOf(target.recipient.auth) : [])]);
  const run: RunState = { jobs: [] };
  const results: CheckResult[] = [];
  let unreachable: string | undefined;
  const requestTimeoutMs = target.requestTimeoutMs ?? 30_000;

  for (const check of checks) {
    if (signal?.aborted) break;
    const push = (result: CheckResult) => {
      results.push(result);
      onResult?.(result);
    };
    if (unreachable) {
      push({ name: check.name, ok: false, unreachable, problems: [], notes: [], exchanges: [], ms: 0 });
      continue;
    }
    const skipped = check.skip?.(target);
    if (skipped) {
      push({ name: check.name, ok: true, skipped, problems: [], notes: [], exchanges: [], ms: 0 });
      continue;
    }
    const started = Date.now();
    const notes: string[] = [];
    const info: string[] = [];
    const observer = createObserver({ spec, redact, signal });
    observer.expectViolations = check.expectsViolations ?? false;
    const onRetry = (who: string) => (e: RetryEvent) =>
      notes.push(`${who}: retried ${e.method} ${e.path} in ${e.delayMs} ms after attempt ${e.attempt} failed: ${e.error.message}`);
    const onPollError = (e: PollErrorEvent) =>
      notes.push(`a poll of job ${e.jobId} failed (${e.attempt} in a row), polling again in ${e.delayMs} ms: ${e.error.message}`);
    const client = (who: string, auth: ImsAuth, projectId: string | undefined) => {
      const fetch = observer.fetch(who);
      const retry = { attempts: 3, baseDelayMs: 200, onRetry: onRetry(who) };
      const ims = createImsClient({
        endpoint: target.baseUrl,
        auth,
        fetch,
        retry,
        requestTimeoutMs,
        ...(projectId ? { projectId } : {}),
        ...(target.signingHost ? { signingHost: target.signingHost } : {}),
        ...(target.poll ? { poll: target.poll } : {}),
      });
      const transport = createTransport({
        baseUrl: target.baseUrl,
        auth,
        projectId,
        signingHost: target.signingHost,
        fetch,
        policy: retryPolicy(retry),
        requestTimeoutMs,
        redact,
      });
      return { client: ims, transport };
    };
    const owner = client("owner", target.auth, target.projectId);
    const recipient = target.recipient
      ? { ...client("recipient", target.recipient.auth, target.recipient.projectId), projectId: target.recipient.projectId }
      : undefined;
    const direct = target.upstream
      ? createImsClient({
          endpoint: target.upstream,
          auth: target.auth,
          fetch: observer.fetch("direct", { direct: true }),
          retry: false,
          requestTimeoutMs,
          allowInsecureHttp: true,
          ...(target.projectId ? { projectId: target.projectId } : {}),
        })
      : undefined;
    const ctx: CheckContext = {
      target,
      spec,
      run,
      observer,
      recipient,
      direct,
      owner: owner.client,
      ownerTransport: owner.transport,
      signal: observer.signal,
      wait: {
        timeoutMs: target.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        signal: observer.signal,
        onPollError,
        ...(target.poll ? { poll: target.poll } : {}),
      },
      fail,
      skip,
      note: (message) => void notes.push(message),
      info: (message) => void info.push(message),
    };

    const problems: string[] = [];
    let skippedNow: string | undefined;
    try {
      await check.run(ctx);
    } catch (error) {
      if (signal?.aborted) break;
      if (error instanceof CheckSkipped) skippedNow = error.message;
      // Once stopped, whatever the check threw follows from the stop, which is reported below.
      else if (observer.stopped) void 0;
      else if (error instanceof CheckFailed || error instanceof PagingError) problems.push(error.message);
      else problems.push(describe(error));
    } finally {
      observer.dispose();
    }
    const stopped = observer.stopped;
    const result: CheckResult = {
      name: check.name,
      ok: true,
      problems,
      notes,
      exchanges: observer.exchanges,
      ms: Date.now() - started,
      ...(info.length ? { info } : {}),
    };
    if (stopped instanceof UpstreamUnreachableError) {
      unreachable = stopped.reason;
      result.unreachable = stopped.reason;
    } else if (stopped) {
      // The first violation ended the check: it is the problem, whatever the check made of it.
      problems.unshift(`violation: ${describeExchange(stopped.exchange)}`);
      if (stopped.exchange.body && stopped.exchange.answeredBy !== "prism")
        problems.push(`the answer was: ${stopped.exchange.body.replace(/\s+/g, " ").slice(0, 300)}`);
      result.violation = stopped.exchange;
    }
    if (skippedNow !== undefined && !problems.length && !result.unreachable) result.skipped = skippedNow;
    result.ok = problems.length === 0 && !result.unreachable;
    push(result);
  }
  return results;
}

/** One check as a person reads it: its verdict line, then its problems and notes. */
export function formatResult(r: CheckResult): string {
  const took = r.ms ? ` (${(r.ms / 1000).toFixed(1)} s)` : "";
  const head = r.skipped
    ? `- ${r.name} (skipped: ${r.skipped})`
    : r.unreachable
      ? `‼ ${r.name} (not checked: the upstream is unreachable: ${r.unreachable})`
      : `${r.ok ? "✔" : "✖"} ${r.name}${took}`;
  return [head, ...(r.info ?? []).map((i) => `    · ${i}`), ...r.problems.map((p) => `    ${p}`), ...r.notes.map((n) => `    ⚠ ${n}`)].join(
    "\n",
  );
}

/**
 * The totals line: the checks, and the Arazzo workflows when given (one count for both, then
 * how many of each there were), so that a skipped workflow is counted as skipped.
 */
export function formatTotals(
  results: readonly CheckResult[],
  workflows?: ReadonlyArray<{ ok: boolean; skipped?: string | undefined }>,
): string {
  const all = [...results, ...(workflows ?? [])] as ReadonlyArray<{
    ok: boolean;
    skipped?: string | undefined;
    unreachable?: string | undefined;
  }>;
  const ran = all.filter((r) => !r.skipped && !r.unreachable);
  const unreachable = all.filter((r) => r.unreachable).length;
  const skipped = all.filter((r) => r.skipped).length;
  const totals = `${ran.filter((r) => r.ok).length} passed, ${ran.filter((r) => !r.ok).length} failed, ${skipped} skipped${unreachable ? `, ${unreachable} not checked (upstream unreachable)` : ""}`;
  return workflows ? `${totals} (${results.length} checks, ${workflows.length} Arazzo workflows)` : totals;
}

/** The report a person reads: one line per check, the problems and notes under it, and a total. */
export function formatReport(results: readonly CheckResult[]): string {
  return [...results.map(formatResult), formatTotals(results)].join("\n");
}
