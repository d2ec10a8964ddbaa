/**
 * `startFakeIms`: a stateful fake of IMS image sharing on a real HTTP server, for tests, the
 * sandbox and the contract suite. It answers like IMS (IMS- and gateway-shaped errors with real
 * IMG codes, `X-Request-Id` on every response), runs jobs over time, injects faults on demand,
 * and can verify AK/SK signatures with the project's own signer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { inputSchemas } from "../../generated/schemas.js";
import { createSigner } from "../signer.js";
import { validate } from "../validate.js";
import { defaultImages, FakeState, OWNER_PROJECT, type SeedImage } from "./state.js";

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
  at: number;
}

type FaultMatch = { method?: string; path?: string | RegExp; times?: number };
/** A fault to inject into matching requests (all of them, or the next `times`). */
export type Fault = FaultMatch & (
  | { type: "latency"; delayMs: number }
  | { type: "status"; status: number; retryAfter?: number | string }
  | { type: "drop" }
  | { type: "malformed"; body?: string }
);

export interface FakeImsOptions {
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** How long each job takes from acceptance to completion (default 1000 ms). */
  jobDurationMs?: number;
  /** The images to start with (default: the seed page's two images shared with its two projects). */
  images?: SeedImage[];
  /** AK/SK pairs whose signatures are verified (others are refused with APIGW.0301). Without it, any Authorization is accepted. */
  credentials?: Record<string, { secretKey: string }>;
  /** Faults to inject from the start; more with `fake.inject()`. */
  faults?: Fault[];
  /** Rewrites every answer before it is sent: the contract suite builds broken IMS variants with it. */
  transform?: (reply: FakeReply, request: { method: string; path: string }) => FakeReply;
  /** Answer browsers' CORS preflights and expose X-Request-Id (default true). */
  cors?: boolean;
}

export interface FakeIms {
  /** The base URL, such as `http://127.0.0.1:40123`. */
  url: string;
  state: FakeState;
  requests: FakeRequestLog[];
  /** Adds a fault (see {@link Fault}). */
  inject(fault: Fault): void;
  close(): Promise<void>;
}

const ims = (code: string, message: string) => JSON.stringify({ error: { code, message } });
const gateway = (code: string, message: string, requestId: string) => JSON.stringify({ error_code: code, error_msg: message, request_id: requestId });
const hex32 = () => randomBytes(16).toString("hex");

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, DELETE, OPTIONS",
  "access-control-allow-headers": "authorization, content-type, x-auth-token, x-sdk-date, x-project-id, x-security-token, x-sdk-content-sha256",
  "access-control-expose-headers": "x-request-id, retry-after",
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
  const state = new FakeState(options.images ?? defaultImages());
  const faults: Fault[] = [...(options.faults ?? [])];
  const requests: FakeRequestLog[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const sockets = new Set<Socket>();
  const signers = new Map(Object.entries(options.credentials ?? {}).map(([ak, { secretKey }]) => [ak, createSigner({ accessKey: ak, secretKey })]));

  /** The first matching fault, consumed if it has a count. */
  function takeFault(method: string, path: string, type: Fault["type"]): Fault | undefined {
    const index = faults.findIndex((f) => f.type === type && matches(f, method, path));
    if (index < 0) return undefined;
    const fault = faults[index]!;
    if (fault.times !== undefined && --fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  /** Checks an SDK-HMAC-SHA256 signature by signing the received request again. */
  async function verifySignature(req: IncomingMessage, body: Buffer, requestId: string): Promise<FakeReply | undefined> {
    const header = req.headers.authorization ?? "";
    const m = /^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(header);
    const signer = m && signers.get(m[1]!);
    const fail = (detail: string) => ({ status: 401, headers: {}, body: gateway("APIGW.0301", `Incorrect IAM authentication information: ${detail}`, requestId) });
    if (!m || !signer) return fail(m ? "unknown access key" : "missing or malformed Authorization");
    const names = m[2]!.split(";");
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

  async function route(method: string, path: string, req: IncomingMessage, body: Buffer, requestId: string): Promise<FakeReply> {
    const reply = (status: number, text: string): FakeReply => ({ status, headers: {}, body: text });
    if (req.headers.authorization !== undefined && signers.size) {
      const refused = await verifySignature(req, body, requestId);
      if (refused) return refused;
    } else if (req.headers.authorization === undefined && !req.headers["x-auth-token"]) {
      return reply(401, ims("IMG.0087", "The token is incorrect: no X-Auth-Token or AK/SK signature in the request."));
    }
    const caller = String(req.headers["x-project-id"] ?? OWNER_PROJECT);
    const url = new URL(path, "http://fake");
    const segments = url.pathname.split("/").filter(Boolean);

    if (method === "DELETE" && url.pathname === "/v1/cloudimages/members") {
      if (!body.length) return reply(400, ims("IMG.0007", "The request body is empty."));
      let input: unknown;
      try {
        input = JSON.parse(body.toString("utf8"));
      } catch {
        return reply(400, ims("IMG.0001", "The request format is incorrect: the body is not JSON."));
      }
      const issues = validate(inputSchemas.deleteImageMembers.body, input);
      if (issues.length) {
        const first = issues[0]!;
        const code = first.path.startsWith("images[") ? "IMG.0066" : first.path.startsWith("projects[") ? "IMG.0067" : "IMG.0001";
        const what = code === "IMG.0066" ? "The image ID is incorrect" : code === "IMG.0067" ? "The project ID is incorrect" : "The request format is incorrect";
        return reply(400, ims(code, `${what}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`));
      }
      const { images, projects } = input as { images: string[]; projects: string[] };
      for (const id of images) {
        const image = state.images.get(id);
        if (!image) return reply(400, ims("IMG.0027", `The image in the request does not exist: ${id}.`));
        if (image.owner !== caller) return reply(400, ims("IMG.0047", `Only the image owner can perform this operation: ${id}.`));
      }
      const job = state.startJob(hex32(), caller, images, projects, jobDurationMs);
      const timer = setTimeout(() => {
        timers.delete(timer);
        state.settle(job);
      }, jobDurationMs);
      timer.unref?.();
      timers.add(timer);
      return reply(200, JSON.stringify({ job_id: job.id }));
    }

    if (method === "GET" && segments.length === 4 && segments[0] === "v1" && segments[2] === "jobs") {
      const [, projectId, , jobId] = segments;
      const job = state.jobs.get(jobId!);
      if (!/^[0-9a-fA-F]{32}$/.test(projectId!)) return reply(400, ims("IMG.0067", "The project ID is incorrect."));
      if (!job || job.project !== projectId) return reply(404, ims("IMG.0023", `Failed to query the job: job ${jobId} does not exist.`));
      return reply(200, JSON.stringify(state.showJob(job)));
    }

    if (method === "GET" && segments.length === 4 && segments[0] === "v1" && segments[1] === "cloudimages" && segments[2] === "job") {
      const job = state.jobs.get(segments[3]!);
      if (!job || job.project !== caller) return reply(404, ims("IMG.0023", `Failed to query the job: job ${segments[3]} does not exist.`));
      return reply(200, JSON.stringify(state.showJobProgress(job)));
    }

    return reply(404, gateway("APIGW.0101", `The API does not exist or has not been published: ${method} ${url.pathname}`, requestId));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const path = req.url ?? "/";
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const requestId = hex32();
    const send = (reply: FakeReply) => {
      const final = options.transform ? options.transform(reply, { method, path }) : reply;
      requests.push({ method, path, status: final.status, at: Date.now() });
      res.writeHead(final.status, { ...final.headers });
      res.end(final.body);
    };
    const base = { "content-type": "application/json", "x-request-id": requestId, ...(cors ? CORS_HEADERS : {}) };

    if (method === "OPTIONS" && cors) {
      send({ status: 204, headers: { ...base, "content-type": "text/plain" }, body: "" });
      return;
    }
    const latency = takeFault(method, path, "latency");
    if (latency?.type === "latency") await new Promise((r) => setTimeout(r, latency.delayMs));
    if (takeFault(method, path, "drop")) {
      requests.push({ method, path, status: 0, at: Date.now() });
      req.socket.destroy();
      return;
    }
    const status = takeFault(method, path, "status");
    if (status?.type === "status") {
      const headers: Record<string, string> = { ...base };
      if (status.retryAfter !== undefined) headers["retry-after"] = String(status.retryAfter);
      const text = status.status === 429
        ? gateway("APIGW.0308", "The throttling threshold has been reached.", requestId)
        : ims("IMG.0000", `Injected fault: HTTP ${status.status}.`);
      send({ status: status.status, headers, body: text });
      return;
    }
    const reply = await route(method, path, req, body, requestId);
    const malformed = takeFault(method, path, "malformed");
    if (malformed?.type === "malformed") reply.body = malformed.body ?? reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 2)));
    send({ ...reply, headers: { ...base, ...reply.headers } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json", "x-request-id": hex32() });
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
    inject: (fault) => void faults.push({ ...fault }),
    close: () => new Promise((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
