/**
 * `startFakeIms`: a stateful, multi-tenant fake of IMS image sharing on a real HTTP server, for
 * tests, the sandbox and the contract suite (through Prism's validating proxy: every answer
 * follows the spec). It answers every operation of the spec's table (routes.ts), like IMS: IMS-
 * and gateway-shaped errors with real IMG codes, `X-Request-Id` on every response, jobs that run
 * over time on an injectable clock, faults on demand, AK/SK signatures verified with the
 * project's own signer. Every response also says what answered it, `X-Ims-Fake: ims-sharing
 * <version>; signatures=verified|unchecked` (identity.ts), which IMS never sends: the contract
 * runner changes the seed images and uses the fake's tokens only when the upstream says so.
 *
 * Tenants are projects. With AK/SK the caller is the `X-Project-Id` header (OWNER_PROJECT when
 * absent); with a token, the project `tokens` maps it to (OWNER_TOKEN → OWNER_PROJECT and
 * RECIPIENT_TOKEN → RECIPIENT_PROJECT by default), and any other token is the owner, so
 * `auth: { token: "any" }` acts as the owner of the seed images. A `{project_id}` in the path must
 * be the caller's (else 400 IMG.0030). The sharing rules, and which are refused at once and which
 * fail in the job, are in state.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import type { OperationId } from "../../generated/operations.js";
import { operationSpec, type JobOperationId } from "../operations.js";
import { createSigner } from "../signer.js";
import { isManualClock, systemClock, type Clock } from "./clock.js";
import { FAKE_HEADER, fakeIdentity } from "./identity.js";
import { WRITE_RULES } from "./writes.js";
import { matchRoute, parseInput, ROUTE_METHODS, type Answer, type Call, type Handler, type Handlers } from "./routes.js";
import {
  defaultImages,
  FakeState,
  isRefusal,
  OWNER_PROJECT,
  RECIPIENT_PROJECT,
  type FakeJob,
  type FakeProject,
  type Refusal,
  type SeedImage,
} from "./state.js";

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

/** An answer about to be sent; `transform` may rewrite it. */
export interface FakeReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

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

type FaultMatch = {
  /** Only requests with this method. */
  method?: string | undefined;
  /** Only requests whose path starts with this text, or matches this expression. */
  path?: string | RegExp | undefined;
  /** Only the next `times` matching requests (default: all of them). */
  times?: number | undefined;
};
/** A fault to inject into matching requests (all of them, or the next `times`). */
export type Fault = FaultMatch &
  (
    | { type: "latency"; delayMs: number }
    | { type: "status"; status: number; retryAfter?: number | string | undefined }
    | { type: "drop" }
    /**
     * The request is handled as usual (a change is made, its job started), then the connection is
     * closed without an answer: the client cannot know whether the change reached IMS.
     */
    | { type: "dropAnswer" }
    | { type: "malformed"; body?: string | undefined }
    /**
     * The member job of a matching request fails every pair of this one image (its results say
     * `failed`) while the rest of the batch goes on: the job is SUCCESS unless nothing else
     * succeeded. `code` is what a job failing on it reports (default IMG.0112 for add and update,
     * IMG.0113 for delete). `times` counts requests naming the image.
     */
    | { type: "imageFailure"; image: string; code?: string | undefined }
  );

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
  /** Token → the project it acts as, on top of OWNER_TOKEN and RECIPIENT_TOKEN; any other token is OWNER_PROJECT. */
  tokens?: Record<string, string> | undefined;
  /** The fake's region (default `cn-north-4`): images live there unless seeded elsewhere. */
  region?: string | undefined;
  /** Known projects and their regions; a project not listed is in the fake's region. */
  projects?: Record<string, FakeProject> | undefined;
  /** Where jobs get the time (default: real time); `createManualClock()` for tests that assert phases. */
  clock?: Clock | undefined;
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
  clock: Clock;
  /** Adds a fault (see {@link Fault}). */
  inject(fault: Fault): void;
  /** Moves a manual clock (see `createManualClock`) forward; throws with any other clock. */
  advance(ms: number): void;
  close(): Promise<void>;
}

const ims = (code: string, message: string) => JSON.stringify({ error: { code, message } });
const gateway = (code: string, message: string, requestId: string) =>
  JSON.stringify({ error_code: code, error_msg: message, request_id: requestId });
const hex32 = () => randomBytes(16).toString("hex");

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": [...ROUTE_METHODS, "OPTIONS"].join(", "),
  "access-control-allow-headers":
    "authorization, content-type, x-auth-token, x-sdk-date, x-project-id, x-security-token, x-sdk-content-sha256",
  "access-control-expose-headers": `x-request-id, retry-after, ${FAKE_HEADER}`,
  "access-control-max-age": "600",
};

function matches(fault: Fault, method: string, path: string): boolean {
  if (fault.method && fault.method.toUpperCase() !== method) return false;
  if (fault.path === undefined) return true;
  return typeof fault.path === "string" ? path.startsWith(fault.path) : fault.path.test(path);
}

export async function startFakeIms(options: FakeImsOptions = {}): Promise<FakeIms> {
  const jobDurationMs = options.jobDurationMs ?? 1_000;
  const cors = options.cors ?? true;
  const clock = options.clock ?? systemClock;
  const state = new FakeState(options.images ?? defaultImages(), { clock, region: options.region, projects: options.projects });
  const tokens: Record<string, string> = { [OWNER_TOKEN]: OWNER_PROJECT, [RECIPIENT_TOKEN]: RECIPIENT_PROJECT, ...options.tokens };
  const faults: Fault[] = (options.faults ?? []).map((f) => ({ ...f }));
  const requests: FakeRequestLog[] = [];
  const sockets = new Set<Socket>();
  const signers = new Map(
    Object.entries(options.credentials ?? {}).map(([ak, { secretKey }]) => [ak, createSigner({ accessKey: ak, secretKey })]),
  );
  // On every answer, so that a client (the contract runner) can tell this fake from a real IMS.
  const identity = { [FAKE_HEADER]: fakeIdentity(signers.size > 0) };

  /** Consumes one use of a fault with a count; drops it when used up. */
  function consume(fault: Fault): void {
    if (fault.times !== undefined && --fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
  }

  /** The first matching fault of a type, consumed if it has a count. */
  function takeFault<T extends Fault["type"]>(method: string, path: string, type: T): Extract<Fault, { type: T }> | undefined {
    const fault = faults.find((f): f is Extract<Fault, { type: T }> => f.type === type && matches(f, method, path));
    if (fault) consume(fault);
    return fault;
  }

  /** Injected image failures for a member job: image → the code to report. */
  function imageFailures(method: string, path: string, images: readonly string[], defaultCode: string): Map<string, string> {
    const failures = new Map<string, string>();
    for (const image of images) {
      const fault = faults.find(
        (f): f is Extract<Fault, { type: "imageFailure" }> => f.type === "imageFailure" && f.image === image && matches(f, method, path),
      );
      if (!fault) continue;
      consume(fault);
      failures.set(image, fault.code ?? defaultCode);
    }
    return failures;
  }

  const ownJob = (caller: string, jobId: string): FakeJob | Refusal =>
    state.jobOf(caller, jobId) ?? { status: 404, code: "IMG.0023", message: `Failed to query the job: job ${jobId} does not exist.` };
  const ok = <T>(body: T | Refusal): { status: 200; body: T } | Refusal => (isRefusal(body) ? body : { status: 200, body });

  /** An asynchronous write answers as each does (its rules: writes.ts): refused at once, or its accepted job. */
  function writeHandler<K extends JobOperationId>(id: K): Handler<K> {
    const { method, path } = operationSpec(id);
    return ({ caller, body }) => {
      const job = state.write(id, caller, body, jobDurationMs, (images, code) => imageFailures(method, path, images, code));
      // Every x-ims-job operation answers with its job's ID (the spec's JobAccepted), as `ims.call` relies on.
      return isRefusal(job) ? job : ({ status: 200, body: { job_id: job.id } } as Answer<K>);
    };
  }
  const writes = Object.fromEntries(Object.keys(WRITE_RULES).map((id) => [id, writeHandler(id as JobOperationId)])) as {
    [K in JobOperationId]: Handler<K>;
  };

  /** One handler per operation in the spec's table: the writes from their rules, the reads here. */
  const handlers: Handlers = {
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
    listSharedImages: ({ caller, query }) => ({ status: 200, body: state.listSharedImages(caller, query) }),
  };

  function dispatch<K extends OperationId>(id: K, call: Call<K>): Answer<K> {
    const handler: Handler<K> = handlers[id];
    return handler(call);
  }

  /** Checks an SDK-HMAC-SHA256 signature by signing the received request again. */
  async function verifySignature(req: IncomingMessage, body: Buffer, requestId: string): Promise<FakeReply | undefined> {
    const header = req.headers.authorization ?? "";
    const m = /^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(header);
    const signer = m && signers.get(m[1] ?? "");
    const fail = (detail: string) => ({
      status: 401,
      headers: {},
      body: gateway("APIGW.0301", `Incorrect IAM authentication information: ${detail}`, requestId),
    });
    if (!m || !signer) return fail(m ? "unknown access key" : "missing or malformed Authorization");
    const names = (m[2] ?? "").split(";");
    const headers: Record<string, string> = {};
    for (const name of names) {
      const value = req.headers[name];
      if (value === undefined) return fail(`signed header ${name} missing`);
      headers[name] = Array.isArray(value) ? value.join(",") : value;
    }
    const { headers: expected, canonicalRequest } = await signer.sign(
      { method: req.method ?? "GET", url: `http://${req.headers.host}${req.url}`, headers, body },
      { signedHeaders: names },
    );
    if (expected.Authorization !== header) return fail(`verify aksk signature fail, canonicalRequest: ${canonicalRequest}`);
    return undefined;
  }

  /** The calling project, or the 401 to answer. */
  async function authenticate(req: IncomingMessage, body: Buffer, requestId: string): Promise<string | FakeReply> {
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    if (req.headers.authorization !== undefined) {
      if (signers.size) {
        const refused = await verifySignature(req, body, requestId);
        if (refused) return refused;
      }
      return header("x-project-id") || OWNER_PROJECT;
    }
    const token = header("x-auth-token");
    if (!token)
      return {
        status: 401,
        headers: {},
        body: ims("IMG.0087", "The token is incorrect: no X-Auth-Token or AK/SK signature in the request."),
      };
    return tokens[token] ?? OWNER_PROJECT;
  }

  async function route(
    method: string,
    path: string,
    req: IncomingMessage,
    body: Buffer,
    requestId: string,
    log: Partial<FakeRequestLog>,
  ): Promise<FakeReply> {
    const reply = (status: number, text: string): FakeReply => ({ status, headers: {}, body: text });
    const caller = await authenticate(req, body, requestId);
    if (typeof caller !== "string") return caller;
    log.project = caller;
    const url = new URL(path, "http://fake");
    const matched = matchRoute(method, url.pathname);
    if (!matched)
      return reply(404, gateway("APIGW.0101", `The API does not exist or has not been published: ${method} ${url.pathname}`, requestId));
    const id = matched.route.id;
    log.operation = id;
    const input = parseInput(id, matched.params, url.searchParams, body);
    if (isRefusal(input)) return reply(input.status, ims(input.code, input.message));
    const projectId = matched.params.project_id;
    if (projectId !== undefined && projectId.toLowerCase() !== caller.toLowerCase()) {
      return reply(400, ims("IMG.0030", `The project ID and token are invalid: ${projectId} is not the project of these credentials.`));
    }
    const answer = dispatch(id, { caller, ...input });
    return isRefusal(answer) ? reply(answer.status, ims(answer.code, answer.message)) : reply(answer.status, JSON.stringify(answer.body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const path = req.url ?? "/";
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const requestId = hex32();
    const log: Partial<FakeRequestLog> = {};
    // Jobs settle lazily: whatever is due is applied before the request is looked at.
    state.settle();
    const send = (reply: FakeReply) => {
      const final = options.transform ? options.transform(reply, { method, path }) : reply;
      requests.push({ method, path, status: final.status, at: clock.now(), ...log });
      res.writeHead(final.status, { ...final.headers });
      res.end(final.body);
    };
    const base = { "content-type": "application/json", "x-request-id": requestId, ...identity, ...(cors ? CORS_HEADERS : {}) };

    if (method === "OPTIONS" && cors) {
      send({ status: 204, headers: { ...base, "content-type": "text/plain" }, body: "" });
      return;
    }
    const latency = takeFault(method, path, "latency");
    if (latency) await new Promise((r) => setTimeout(r, latency.delayMs));
    if (takeFault(method, path, "drop")) {
      requests.push({ method, path, status: 0, at: clock.now() });
      req.socket.destroy();
      return;
    }
    const status = takeFault(method, path, "status");
    if (status) {
      const headers: Record<string, string> = { ...base };
      if (status.retryAfter !== undefined) headers["retry-after"] = String(status.retryAfter);
      const text =
        status.status === 429
          ? gateway("APIGW.0308", "The throttling threshold has been reached.", requestId)
          : ims("IMG.0000", `Injected fault: HTTP ${status.status}.`);
      send({ status: status.status, headers, body: text });
      return;
    }
    const reply = await route(method, path, req, body, requestId, log);
    if (takeFault(method, path, "dropAnswer")) {
      requests.push({ method, path, status: 0, at: clock.now(), ...log });
      req.socket.destroy();
      return;
    }
    const malformed = takeFault(method, path, "malformed");
    if (malformed) reply.body = malformed.body ?? reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 2)));
    send({ ...reply, headers: { ...base, ...reply.headers } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json", "x-request-id": hex32(), ...identity });
      res.end(ims("IMG.0000", `Fake IMS failed: ${error instanceof Error ? error.message : String(error)}`));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    ownerProject: OWNER_PROJECT,
    region: state.region,
    clock,
    inject: (fault) => void faults.push({ ...fault }),
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
