/**
 * `startFakeIms`: a stateful, multi-tenant fake of IMS image sharing on a real HTTP server, for
 * tests, the sandbox and the contract suite (through Prism's validating proxy: every answer
 * follows the spec). It answers every operation of the spec's table (routes.ts), like IMS: IMS-
 * and gateway-shaped errors with real IMG codes, `X-Request-Id` on every response, jobs that run
 * over time on an injectable clock, faults on demand, the gateway's per-tenant rate limit when
 * asked (throttle.ts), AK/SK signatures verified with the project's own signer. Every response
 * also says what answered it, `X-Ims-Fake: ims-sharing <version>; signatures=verified|unchecked`
 * (identity.ts), which IMS never sends: the contract runner changes the seed images and uses
 * the fake's tokens only when the upstream says so.
 *
 * Tenants are projects. With AK/SK the caller is the `X-Project-Id` header (OWNER_PROJECT when
 * absent); with a token, the project `tokens` maps it to (OWNER_TOKEN → OWNER_PROJECT and
 * RECIPIENT_TOKEN → RECIPIENT_PROJECT by default), and any other token is the owner, so
 * `auth: { token: "any" }` acts as the owner of the seed images. A `{project_id}` in the path must
 * be the caller's (else 400 IMG.0030); auth.ts says who is calling. The asynchronous writes (the
 * sharing rules and the copy), which are refused at once and which fail in the job, are one entry
 * per operation in writes.ts, run over time by state.ts; images.ts is the image query; faults.ts
 * holds the faults still to come.
 *
 * IAM's project listing (`GET /v3/projects`) is answered on the same port, so a client given
 * `iamEndpoint: fake.url` and no project finds its project here: tenants.ts has the accounts,
 * each with a project per region (`fake.tenants`), one with a sub-project. It is authenticated as
 * IMS's calls are, without `X-Project-Id` (with AK/SK, `accessKeys` says whose the key is).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import type { OperationId } from "../../generated/operations.js";
import { operationSpec, type JobOperationId } from "../operations.js";
import { createAuthenticator, type Authenticator } from "./auth.js";
import { isManualClock, systemClock, type Clock } from "./clock.js";
import { Faults, type Fault } from "./faults.js";
import { FAKE_HEADER, fakeIdentity } from "./identity.js";
import { gatewayError, imsError, reply, type FakeReply } from "./replies.js";
import { matchRoute, parseInput, ROUTE_METHODS, type Answer, type Handler, type Handlers } from "./routes.js";
import {
  defaultImages,
  FakeState,
  FOREIGN_OWNER,
  isRefusal,
  OWNER_PROJECT,
  RECIPIENT_PROJECT,
  SEED_PROJECTS,
  type FakeJob,
  type FakeProject,
  type Refusal,
  type SeedImage,
} from "./state.js";
import { TenantThrottle, throttled, type RateLimit } from "./throttle.js";
import { WRITE_RULES } from "./writes.js";
import { defaultTenants, SUBPROJECT_REGION_PROJECT, SUBPROJECT_TOKEN, Tenants, type FakeTenant } from "./tenants.js";

export type { Fault, FakeReply, RateLimit };

/** The token that acts as OWNER_PROJECT (as does any token not in `tokens`). */
export const OWNER_TOKEN = "fake-owner-token";
/**
 * An AK/SK pair for local demos (the sandbox, `npm run fake`), which start the fake with
 * `credentials: LOCAL_CREDENTIALS` so that signatures are verified, as the gateway does. Not a
 * secret: it only opens a fake on this machine.
 */
export const LOCAL_AK_SK = { accessKey: "HPUALOCALFAKEAK", secretKey: "local-fake-secret-key" } as const;
/** {@link LOCAL_AK_SK} as the `credentials` option takes it. */
export const LOCAL_CREDENTIALS: Record<string, { secretKey: string }> = { [LOCAL_AK_SK.accessKey]: { secretKey: LOCAL_AK_SK.secretKey } };
/** The token that acts as RECIPIENT_PROJECT. */
export const RECIPIENT_TOKEN = "fake-recipient-token";

/** What the fake saw: one entry per request, for tests and benchmarks. */
export interface FakeRequestLog {
  method: string;
  path: string;
  status: number;
  /** The clock's time when it was answered. */
  at: number;
  /** The operation it was routed to, if any. */
  operation?: OperationId | undefined;
  /** The project that made it, once authenticated. */
  project?: string | undefined;
}

export interface FakeImsOptions {
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number | undefined;
  /** How long each job takes from acceptance to completion (default 1000 ms). */
  jobDurationMs?: number | undefined;
  /**
   * The images to start with (default: the two images of Huawei's Deleting Image Sharing Members
   * example, shared with its two projects, and FOREIGN_IMAGE).
   */
  images?: readonly SeedImage[] | undefined;
  /**
   * AK/SK pairs whose signatures are verified (others are refused with APIGW.0301), as the
   * gateway does: `LOCAL_CREDENTIALS` for demos. Without it any Authorization is accepted, and
   * every answer says so (`X-Ims-Fake: …; signatures=unchecked`).
   */
  credentials?: Record<string, { secretKey: string }> | undefined;
  /**
   * Token → the project it acts as, on top of OWNER_TOKEN, RECIPIENT_TOKEN and SUBPROJECT_TOKEN;
   * any other token is OWNER_PROJECT.
   */
  tokens?: Record<string, string> | undefined;
  /**
   * Access key → the project it acts as when a request says none (no `X-Project-Id`, as IAM's
   * calls): the access key of a user of that project's account. Any other is OWNER_PROJECT.
   */
  accessKeys?: Record<string, string> | undefined;
  /**
   * Tenants (accounts and their projects) IAM's `GET /v3/projects` knows, on top of the built-in
   * ones (`fake.tenants`: owner, recipient, example, foreign, subprojects).
   */
  tenants?: readonly FakeTenant[] | undefined;
  /**
   * List a region's sub-projects (`cn-north-4_sub`) with its own project when IAM is asked for
   * the region's name (default false: IAM matches names exactly). When IAM lists several is not
   * documented; this shows the "several projects" refusal of region-only set-up.
   */
  subProjectsMatchRegion?: boolean | undefined;
  /** The private images each project may have (`GET /v1/cloudimages/quota`; default 100). */
  imageQuota?: number | undefined;
  /** The fake's region (default `cn-north-4`): images live there unless seeded elsewhere. */
  region?: string | undefined;
  /** Known projects and their regions; a project not listed is in the fake's region. */
  projects?: Record<string, FakeProject> | undefined;
  /** Where jobs get the time (default: real time); `createManualClock()` for tests that assert phases. */
  clock?: Clock | undefined;
  /**
   * The API gateway's rate limit, per tenant (the calling project): a token bucket of `burst`
   * requests refilled at `requestsPerSecond`, on the fake's clock. A request over it is answered
   * 429 APIGW.0308 with `Retry-After` (whole seconds until a token is there) and logged with
   * status 429. Default: no limit.
   */
  rateLimit?: RateLimit | undefined;
  /** Faults to inject from the start; more with `fake.inject()`. */
  faults?: Fault[] | undefined;
  /** Rewrites every answer before it is sent: the contract suite builds broken IMS variants with it. */
  transform?: ((reply: FakeReply, request: { method: string; path: string }) => FakeReply) | undefined;
  /** Answer browsers' CORS preflights and expose X-Request-Id (default true). */
  cors?: boolean | undefined;
}

export interface FakeIms {
  /** The base URL, such as `http://127.0.0.1:40123`. */
  url: string;
  state: FakeState;
  requests: FakeRequestLog[];
  /** The project that owns the seed images: what a token not in `tokens` acts as. */
  ownerProject: string;
  region: string;
  /** The tenants IAM knows: each account's project per region (`projects[region]`) and sub-projects, for tests and banners. */
  tenants: readonly FakeTenant[];
  /** Token → the project it acts as (the built-in tokens and `tokens`); any other token is the owner. */
  tokens: Readonly<Record<string, string>>;
  clock: Clock;
  /** Adds a fault (see {@link Fault}). */
  inject(fault: Fault): void;
  /** Moves a manual clock (see `createManualClock`) forward; throws with any other clock. */
  advance(ms: number): void;
  close(): Promise<void>;
}

const hex32 = () => randomBytes(16).toString("hex");

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": [...ROUTE_METHODS, "OPTIONS"].join(", "),
  "access-control-allow-headers":
    "authorization, content-type, x-auth-token, x-sdk-date, x-project-id, x-security-token, x-sdk-content-sha256",
  "access-control-expose-headers": `x-request-id, retry-after, ${FAKE_HEADER}`,
  "access-control-max-age": "600",
};

/** One handler per operation in the spec's table: the asynchronous writes from their rules (writes.ts), the reads here. */
function createHandlers(state: FakeState, faults: Faults, jobDurationMs: number, iam: { tenants: Tenants; base: () => string }): Handlers {
  const ownJob = (caller: string, jobId: string): FakeJob | Refusal =>
    state.jobOf(caller, jobId) ?? { status: 404, code: "IMG.0023", message: `Failed to query the job: job ${jobId} does not exist.` };
  const ok = <T>(body: T | Refusal): { status: 200; body: T } | Refusal => (isRefusal(body) ? body : { status: 200, body });
  function writeHandler<K extends JobOperationId>(id: K): Handler<K> {
    const { method, path: template } = operationSpec(id);
    return ({ caller, path: params, body }) => {
      // Faults match the request's path: the template with its parameters filled in.
      const values: Record<string, string> = params;
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ""));
      const job = state.write(id, caller, { path: params, body }, jobDurationMs, (images, code) =>
        faults.imageFailures(method, path, images, code),
      );
      // Every x-ims-job operation answers with its job's ID (the spec's JobAccepted), as `ims.call` relies on.
      return isRefusal(job) ? job : ({ status: 200, body: { job_id: job.id } } as Answer<K>);
    };
  }
  const writes = Object.fromEntries(Object.keys(WRITE_RULES).map((id) => [id, writeHandler(id as JobOperationId)])) as {
    [K in JobOperationId]: Handler<K>;
  };
  return {
    ...writes,
    showJob: ({ caller, path }) => {
      const job = ownJob(caller, path.job_id);
      return isRefusal(job) ? job : { status: 200, body: state.showJob(job) };
    },
    showJobProgress: ({ caller, path }) => {
      const job = ownJob(caller, path.job_id);
      return isRefusal(job) ? job : { status: 200, body: state.showJobProgress(job) };
    },
    listImageMembers: ({ caller, path, query }) => ok(state.listMembers(caller, path.image_id, query)),
    showImageMember: ({ caller, path }) => ok(state.showMember(caller, path.image_id, path.member_id)),
    listImages: ({ caller, query }) => ok(state.listImages(caller, query)),
    showImageQuota: ({ caller }) => ({ status: 200, body: state.showImageQuota(caller) }),
    glanceDeleteImage: ({ caller, path }) => state.deleteImage(caller, path.image_id) ?? { status: 204, body: undefined },
    keystoneListProjects: ({ caller, query }) => ({ status: 200, body: iam.tenants.listProjects(caller, query, iam.base()) }),
  };
}

/** What answering a request needs: one per fake. */
interface Context {
  options: FakeImsOptions;
  state: FakeState;
  faults: Faults;
  requests: FakeRequestLog[];
  clock: Clock;
  cors: boolean;
  identity: Record<string, string>;
  authenticator: Authenticator;
  handlers: Handlers;
  throttle: TenantThrottle | undefined;
}

function dispatch<K extends OperationId>(handlers: Handlers, id: K, call: Parameters<Handler<K>>[0]): Answer<K> {
  const handler: Handler<K> = handlers[id];
  return handler(call);
}

/** Authenticates a request, routes it to its operation, checks its input against the spec and answers it. */
async function route(
  context: Context,
  request: { method: string; req: IncomingMessage; body: Buffer; requestId: string },
  log: Partial<FakeRequestLog>,
): Promise<FakeReply> {
  const { method, req, body, requestId } = request;
  const caller = await context.authenticator.authenticate(req, body, requestId);
  if (typeof caller !== "string") return caller;
  log.project = caller;
  const url = new URL(req.url ?? "/", "http://fake");
  const matched = matchRoute(method, url.pathname);
  if (!matched)
    return reply(404, gatewayError("APIGW.0101", `The API does not exist or has not been published: ${method} ${url.pathname}`, requestId));
  const id = matched.route.id;
  log.operation = id;
  const retryAfter = context.throttle?.take(caller);
  if (retryAfter !== undefined) return throttled(requestId, {}, retryAfter);
  const input = parseInput(id, matched.params, url.searchParams, body);
  if (isRefusal(input)) return reply(input.status, imsError(input.code, input.message));
  const projectId = matched.params.project_id;
  if (projectId !== undefined && projectId.toLowerCase() !== caller.toLowerCase()) {
    return reply(400, imsError("IMG.0030", `The project ID and token are invalid: ${projectId} is not the project of these credentials.`));
  }
  const answer = dispatch(context.handlers, id, { caller, ...input });
  const answered = isRefusal(answer)
    ? reply(answer.status, imsError(answer.code, answer.message))
    : reply(answer.status, answer.status === 204 ? "" : JSON.stringify(answer.body));
  // IAM names its answers by a trace ID of its own (the official SDKs quote it in discovery's errors).
  if (operationSpec(id).service === "iam") answered.headers["x-iam-trace-id"] = requestId;
  return answered;
}

/** The answer of an injected `status` fault: the gateway's throttling body for 429, IMS's otherwise. */
function injectedStatus(fault: Extract<Fault, { type: "status" }>, headers: Record<string, string>, requestId: string): FakeReply {
  if (fault.status === 429) return throttled(requestId, headers, fault.retryAfter);
  const withRetry = fault.retryAfter === undefined ? headers : { ...headers, "retry-after": String(fault.retryAfter) };
  return { status: fault.status, headers: withRetry, body: imsError("IMG.0000", `Injected fault: HTTP ${fault.status}.`) };
}

/** Answers one request: CORS preflights, the faults that act before and after it is handled, and the answer itself. */
async function handle(context: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { options, state, faults, requests, clock } = context;
  const method = (req.method ?? "GET").toUpperCase();
  const path = req.url ?? "/";
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const requestId = hex32();
  const log: Partial<FakeRequestLog> = {};
  // Jobs settle lazily: whatever is due is applied before the request is looked at.
  state.settle();
  const send = (answer: FakeReply) => {
    const final = options.transform ? options.transform(answer, { method, path }) : answer;
    requests.push({ method, path, status: final.status, at: clock.now(), ...log });
    const headers = { ...final.headers };
    if (final.status === 204) delete headers["content-type"];
    res.writeHead(final.status, headers);
    res.end(final.body);
  };
  const drop = (seen: Partial<FakeRequestLog>) => {
    requests.push({ method, path, status: 0, at: clock.now(), ...seen });
    req.socket.destroy();
  };
  const base = {
    "content-type": "application/json",
    "x-request-id": requestId,
    ...context.identity,
    ...(context.cors ? CORS_HEADERS : {}),
  };

  if (method === "OPTIONS" && context.cors) return send({ status: 204, headers: { ...base, "content-type": "text/plain" }, body: "" });
  const latency = faults.take(method, path, "latency");
  if (latency) await new Promise((r) => setTimeout(r, latency.delayMs));
  if (faults.take(method, path, "drop")) return drop({});
  const status = faults.take(method, path, "status");
  if (status) return send(injectedStatus(status, base, requestId));
  const answer = await route(context, { method, req, body, requestId }, log);
  if (faults.take(method, path, "dropAnswer")) return drop(log);
  const malformed = faults.take(method, path, "malformed");
  if (malformed) answer.body = malformed.body ?? answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2)));
  send({ ...answer, headers: { ...base, ...answer.headers } });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startFakeIms(options: FakeImsOptions = {}): Promise<FakeIms> {
  const clock = options.clock ?? systemClock;
  const state = new FakeState(options.images ?? defaultImages(), {
    clock,
    region: options.region,
    projects: options.projects,
    imageQuota: options.imageQuota,
  });
  const tokens: Record<string, string> = {
    [OWNER_TOKEN]: OWNER_PROJECT,
    [RECIPIENT_TOKEN]: RECIPIENT_PROJECT,
    [SUBPROJECT_TOKEN]: SUBPROJECT_REGION_PROJECT,
    ...options.tokens,
  };
  const faults = new Faults(options.faults);
  const authenticator = createAuthenticator(options.credentials ?? {}, tokens, OWNER_PROJECT, options.accessKeys);
  const builtIn = defaultTenants(state.region, {
    owner: OWNER_PROJECT,
    recipient: RECIPIENT_PROJECT,
    example: SEED_PROJECTS[0],
    foreign: FOREIGN_OWNER,
  });
  const tenants = new Tenants([...builtIn, ...(options.tenants ?? [])], { subProjectsMatchRegion: options.subProjectsMatchRegion });
  let url = "";
  const context: Context = {
    options,
    state,
    faults,
    requests: [],
    clock,
    cors: options.cors ?? true,
    // On every answer, so that a client (the contract runner) can tell this fake from a real IMS.
    identity: { [FAKE_HEADER]: fakeIdentity(authenticator.verifies) },
    authenticator,
    handlers: createHandlers(state, faults, options.jobDurationMs ?? 1_000, { tenants, base: () => url }),
    throttle: options.rateLimit ? new TenantThrottle(options.rateLimit, clock) : undefined,
  };
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(context, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json", "x-request-id": hex32(), ...context.identity });
      res.end(imsError("IMG.0000", `Fake IMS failed: ${error instanceof Error ? error.message : String(error)}`));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listen(server, options.port ?? 0);
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    state,
    requests: context.requests,
    ownerProject: OWNER_PROJECT,
    region: state.region,
    tenants: tenants.list,
    tokens: { ...tokens },
    clock,
    inject: (fault) => faults.add(fault),
    advance(ms) {
      if (!isManualClock(clock)) throw new Error("fake.advance(ms) needs a manual clock: startFakeIms({ clock: createManualClock() })");
      clock.advance(ms);
      state.settle();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
