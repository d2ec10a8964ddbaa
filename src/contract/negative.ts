/**
 * The negative checks, safe on any account: requests that must be refused (no credentials, a
 * wrong signature, unknown jobs, an invalid body, an unknown image), each in a documented shape.
 * Their paths come from the operation table; the requests Prism would answer for itself go to
 * the upstream directly.
 */
import type { OperationId } from "../../generated/operations.js";
import type { ImsClient } from "../client.js";
import { ImsJobFailedError } from "../errors.js";
import { operationSpec } from "../operations.js";
import { createSigner } from "../signer.js";
import { CheckFailed, fail, operationUrl, route, routeWith, type Check, type CheckContext } from "./context.js";
import { answerOf, expectErrorAnswer, expectNotFoundRefusal } from "./expect.js";
import { ContractViolationError, UpstreamUnreachableError } from "./observe.js";

const randomHex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");
const randomUuid = () => `${randomHex(8)}-${randomHex(4)}-4${randomHex(3)}-8${randomHex(3)}-${randomHex(12)}`;

/** The job read the credential checks send: it needs no project, so every caller can be refused it. */
const JOB_READ = "showJobProgress" satisfies OperationId;
const unknownJob = routeWith(JOB_READ, { job_id: "unknown" });

const noCredentials: Check = {
  name: "without credentials, the upstream itself answers 401 in a documented error shape (Prism would answer for it)",
  operations: [JOB_READ],
  skip: (target) => (target.upstream ? undefined : "needs the upstream's URL"),
  async run(ctx) {
    const url = operationUrl(ctx.target.upstream!, JOB_READ, { job_id: randomHex(32) });
    const response = await ctx.observer.fetch("direct", { direct: true })(new Request(url, { redirect: "manual", signal: ctx.signal }));
    expectErrorAnswer(ctx, await answerOf(response), 401, `${unknownJob} without credentials`);
  },
};

const wrongSignature: Check = {
  name: "a request with a wrong AK/SK signature is refused with 401 in the gateway's shape (APIGW.…)",
  operations: [JOB_READ],
  // A fake that accepts any signature says so: its answer to a wrong one says nothing about IMS.
  skip: (target) =>
    target.fake && !target.fake.verifiesSignatures
      ? "cannot be judged: the upstream is ims-sharing's own fake IMS, started without signature checking, so it accepts any signature; " +
        `start it with signature checking: ${target.verifyingFakeCommand ?? "ims-sharing fake --verify-signatures"} ` +
        "(or startFakeIms({ credentials: LOCAL_CREDENTIALS }))"
      : undefined,
  async run(ctx) {
    const { target } = ctx;
    const accessKey = "accessKey" in target.auth ? target.auth.accessKey : `HPUA${randomHex(16).toUpperCase()}`;
    const signer = createSigner({ accessKey, secretKey: `not-the-secret-key-${randomHex(16)}` });
    const url = operationUrl(target.baseUrl, JOB_READ, { job_id: randomHex(32) });
    const headers: Record<string, string> = target.projectId ? { "x-project-id": target.projectId } : {};
    const host = target.signingHost ?? (target.upstream ? new URL(target.upstream).host : undefined);
    const { headers: signed } = await signer.sign({ method: "GET", url, headers }, { host });
    const response = await ctx.observer.fetch("owner")(
      new Request(url, { headers: { ...headers, ...signed }, redirect: "manual", signal: ctx.signal }),
    );
    expectErrorAnswer(ctx, await answerOf(response), 401, `${unknownJob} with a wrong signature`, "gateway");
  },
};

/** A read of a job that does not exist (`what` its kind, as the name says it) must be refused. */
function unknownJobRead(id: OperationId, what: string): Check {
  const where = routeWith(id, { job_id: "unknown" });
  return {
    name: `an unknown job's ${what} is refused with a documented 4xx other than 401/403`,
    operations: [id],
    skip: (target) =>
      operationSpec(id).pathParams.includes("project_id") && !target.projectId ? "needs a project ID (--project-id)" : undefined,
    async run(ctx) {
      const error = await ctx.owner.call(id, { path: { job_id: randomHex(32) } }, { signal: ctx.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (error === undefined) fail(`${where}: answered 200 for a job that does not exist`);
      expectNotFoundRefusal(ctx, error, id, where);
    },
  };
}

/** An invalid body for the stop-sharing operation: no images, a project ID of the wrong form. */
const INVALID_BODY = { images: [], projects: ["not-a-project-id"] };
const INVALID_BODY_TO = "deleteImageMembers" satisfies OperationId;

/** openapi-fetch's `request`, for a path and body it cannot type (the operation is the table's, the body invalid on purpose). */
type UntypedRequest = (
  method: string,
  path: string,
  init: { body: unknown; parseAs: "text"; signal: AbortSignal },
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/** Sends `body` to operation `id` as it is, with the client's credentials: its `call` would refuse it before sending. */
async function sendUnchecked(client: ImsClient, id: OperationId, body: unknown, signal: AbortSignal) {
  const { method, path } = operationSpec(id);
  const request = client.api.request as unknown as UntypedRequest;
  const { data, error, response } = await request(method, path, { body, parseAs: "text", signal });
  const answer: unknown = response.ok ? data : error;
  return { response, text: typeof answer === "string" ? answer : JSON.stringify(answer) };
}

const prismRefusesInvalidBody: Check = {
  name: "Prism itself refuses an invalid request body (422, not forwarded), naming the bad fields",
  operations: [INVALID_BODY_TO],
  expectsViolations: true,
  async run(ctx) {
    const { response } = await sendUnchecked(ctx.owner, INVALID_BODY_TO, INVALID_BODY, ctx.signal);
    const exchange = ctx.observer.exchanges.at(-1);
    if (response.ok) fail(`expected a refusal, got ${response.status}`);
    if (exchange?.answeredBy !== "prism")
      fail(`expected Prism to refuse it without forwarding, but the upstream answered ${response.status}`);
    const violations = JSON.stringify(exchange.violations);
    for (const field of Object.keys(INVALID_BODY)) {
      if (!violations.includes(`"${field}"`)) fail(`the violations do not name ${field}: ${violations}`);
    }
  },
};

const upstreamRefusesInvalidBody: Check = {
  name: "the upstream itself refuses an invalid request body with a documented 400 (sent past Prism)",
  operations: [INVALID_BODY_TO],
  skip: (target) => (target.upstream ? undefined : "needs the upstream's URL"),
  async run(ctx) {
    const { response, text } = await sendUnchecked(ctx.direct!, INVALID_BODY_TO, INVALID_BODY, ctx.signal);
    if (response.ok)
      fail(`the upstream accepted an invalid body (${JSON.stringify(INVALID_BODY)}) with ${response.status}: ${text.slice(0, 300)}`);
    const answer = { status: response.status, text, requestId: response.headers.get("x-request-id") };
    expectErrorAnswer(ctx, answer, 400, `${route(INVALID_BODY_TO)} with an invalid body`);
  },
};

const unknownImage: Check = {
  name: "stopping the sharing of an image that does not exist is refused (documented 4xx, not 401/403) or fails as a job",
  operations: ["deleteImageMembers"],
  async run(ctx: CheckContext) {
    const { target } = ctx;
    const body = { images: [randomUuid()], projects: [target.memberProjects?.[0] ?? target.recipient?.projectId ?? randomHex(32)] };
    try {
      const job = await ctx.owner.unshareImages(body, { ...ctx.wait, onAccepted: (jobId) => ctx.run.jobs.push(jobId) });
      fail(`expected a refusal or a failed job, got job ${job.job_id} ${job.status}`);
    } catch (error) {
      if (error instanceof CheckFailed || error instanceof ContractViolationError || error instanceof UpstreamUnreachableError) throw error;
      if (error instanceof ImsJobFailedError) return;
      expectNotFoundRefusal(ctx, error, "deleteImageMembers", `${route("deleteImageMembers")} (an unknown image)`);
    }
  },
};

/** The negative checks, in the order they run. */
export const NEGATIVE_CHECKS: readonly Check[] = [
  noCredentials,
  wrongSignature,
  unknownJobRead("showJobProgress", "progress"),
  unknownJobRead("showJob", "status"),
  prismRefusesInvalidBody,
  upstreamRefusesInvalidBody,
  unknownImage,
];
