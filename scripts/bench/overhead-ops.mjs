// The calls the overhead benchmark times, for every operation of the spec's table (no list of
// them here: spec-calls.mjs derives each one's input from the spec's examples): the client's
// `call(operationId, input)` and a raw `fetch` sending the identical request (same method, URL,
// headers and body, the body serialised on every call, the answer parsed as JSON); plus the
// AK/SK variants of a read and a write, and the official Huawei Cloud SDK's `showJob` as a peer.
// Shared by overhead-client.mjs and profile.mjs.
import { Agent, request } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { exampleProject, inputOf, loadTable, rawUrl } from "./spec-calls.mjs";

export const TOKEN = "bench-token";
export const CREDENTIALS = { accessKey: "HPUABENCHAK", secretKey: "bench-secret-key" };
/**
 * The AK/SK rows: a GET the official SDK also has (ECS's `ShowJob` is IMS's `GET
 * /v1/{project_id}/jobs/{job_id}`), and a write with a body to sign.
 */
export const AKSK_READ = "showJob";
export const AKSK_WRITE = "deleteImageMembers";

/**
 * The variants, by operation, and the operations in the table's order. `raw` and `client` use
 * token auth; `rawSigned` and `clientAkSk` (AKSK_READ and AKSK_WRITE), `httpSigned` and
 * `official` (AKSK_READ) use AK/SK.
 */
export async function buildVariants({ base, dist, root, withOfficial = true }) {
  const { createImsClient, createSigner } = await import(path.join(dist, "src/index.js"));
  const table = await loadTable(dist);
  const project = exampleProject(table);
  // IAM's operations go to the same server: it is the clients' IAM endpoint too.
  const options = { endpoint: base, iamEndpoint: base, projectId: project };
  const token = createImsClient({ ...options, auth: { token: TOKEN } });
  const aksk = createImsClient({ ...options, auth: CREDENTIALS });
  const signer = createSigner(CREDENTIALS);

  const json = { "content-type": "application/json" };
  const auth = { "x-auth-token": TOKEN };
  // A 204 has no body to parse: its (empty) text is read, so that the connection is free again.
  const read = (op) => (op.response === null ? (r) => r.text() : (r) => r.json());
  const raw = (op, url, body) => {
    const answer = read(op);
    return body === undefined
      ? async () => answer(await fetch(url, { method: op.method, headers: { ...auth } }))
      : async () => answer(await fetch(url, { method: op.method, headers: { ...json, ...auth }, body: JSON.stringify(body) }));
  };
  // Signs with the client's own signer, then sends: what a caller of the signer alone writes.
  // IMS's calls say the project in X-Project-Id, IAM's do not.
  const rawSigned = (op, url, body) => {
    const answer = read(op);
    return async () => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const headers = { ...(text === undefined ? {} : json), ...(op.service === "ims" ? { "x-project-id": project } : {}) };
      const signed = await signer.sign({ method: op.method, url, headers, body: text });
      return answer(
        await fetch(url, { method: op.method, headers: { ...headers, ...signed.headers }, ...(text === undefined ? {} : { body: text }) }),
      );
    };
  };

  // The same signed request through node:http (what the official SDK's axios sits on), with a
  // keep-alive agent: how much of a call is fetch itself.
  const agent = new Agent({ keepAlive: true });
  const httpSigned = (op, url) => async () => {
    const headers = { "x-project-id": project };
    const signed = await signer.sign({ method: op.method, url, headers });
    return new Promise((resolve, reject) => {
      const req = request(url, { method: op.method, agent, headers: { ...headers, ...signed.headers } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve(JSON.parse(text)));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  };
  // Calibration: a raw fetch preceded by a fixed amount of busy CPU work, to show what a few
  // microseconds of work per call cost in wall time on this machine.
  const spin = (us, fn) => async () => {
    const end = performance.now() + us / 1000;
    while (performance.now() < end);
    return fn();
  };

  const variants = {};
  const order = Object.keys(table);
  for (const id of order) {
    const op = table[id];
    const { input } = inputOf(id, op);
    const url = rawUrl(base, id, op, input, project);
    variants[id] = { raw: raw(op, url, input.body), client: () => token.call(id, input) };
    if (id === AKSK_READ || id === AKSK_WRITE) {
      Object.assign(variants[id], { rawSigned: rawSigned(op, url, input.body), clientAkSk: () => aksk.call(id, input) });
    }
    if (id === AKSK_READ) Object.assign(variants[id], { rawPlus10us: spin(10, variants[id].raw), httpSigned: httpSigned(op, url) });
  }
  for (const id of [AKSK_READ, AKSK_WRITE]) if (!variants[id]) throw new Error(`the table has no ${id} (the AK/SK rows)`);

  if (withOfficial) {
    // The official Node SDK (core 3.1.211 through huaweicloud-sdk-ecs 3.1.172): its showJob is
    // GET /v1/{project_id}/jobs/{job_id}, signed with AK/SK, through axios.
    const require = createRequire(path.join(root, "package.json"));
    const { BasicCredentials } = require("@huaweicloud/huaweicloud-sdk-core");
    const { EcsClient, ShowJobRequest } = require("@huaweicloud/huaweicloud-sdk-ecs");
    const ecs = EcsClient.newBuilder()
      .withCredential(new BasicCredentials().withAk(CREDENTIALS.accessKey).withSk(CREDENTIALS.secretKey).withProjectId(project))
      .withEndpoint(base)
      .build();
    const { job_id: job } = inputOf(AKSK_READ, table[AKSK_READ]).input.path;
    variants[AKSK_READ].official = () => ecs.showJob(new ShowJobRequest().withJobId(job));
  }
  return { variants, order, table };
}
