// The calls the overhead benchmark times: for every operation of the spec's table, the client's
// method and a raw `fetch` sending the identical request (same method, URL, headers and body,
// the body serialised on every call, the answer parsed as JSON), plus the AK/SK variants and the
// official Huawei Cloud SDK's `showJob`. Shared by overhead-client.mjs and profile.mjs.
import { Agent, request } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

export const PROJECT = "9c61004714024f9586705d090530f9fa";
export const JOB = "edc89b490d7d4392898e19b2deb34797";
export const IMAGE = "d164b5df-1bc3-4c3f-893e-3e471fd16e64";
export const MEMBER = "edc89b490d7d4392898e19b2deb34797";
export const TOKEN = "bench-token";
export const CREDENTIALS = { accessKey: "HPUABENCHAK", secretKey: "bench-secret-key" };
const MEMBERS_BODY = { images: [IMAGE, "0b680482-acaa-4045-b14c-9a8c7dfe9c70"], projects: [PROJECT, "edc89b490d7d4392898e19b2deb34797"] };
const UPDATE_BODY = { images: [IMAGE, "0b680482-acaa-4045-b14c-9a8c7dfe9c70"], project_id: PROJECT, status: "accepted" };

/** Every operationId of the table, in the order the tables show them. */
export const OPERATION_ORDER = [
  "addImageMembers",
  "updateImageMembers",
  "deleteImageMembers",
  "listImageMembers",
  "showImageMember",
  "listSharedImages",
  "showJob",
  "showJobProgress",
];

/** What each row calls on the client side. */
export const CLIENT_CALL = {
  addImageMembers: "addImageMembers",
  updateImageMembers: "updateImageMembers",
  deleteImageMembers: "deleteImageMembers",
  listImageMembers: "listImageMembersPage (one page)",
  showImageMember: "getImageMember",
  listSharedImages: "listSharedImages (one page, iterated)",
  showJob: "getJob",
  showJobProgress: "getJobProgress",
};

/**
 * The variants, by operation. `raw` and `client` use token auth; `rawSigned`, `clientAkSk` and
 * `official` (showJob only) use AK/SK.
 */
export async function buildVariants({ base, dist, root, withOfficial = true }) {
  const { createImsClient, createSigner } = await import(path.join(dist, "src/index.js"));
  const token = createImsClient({ endpoint: base, projectId: PROJECT, auth: { token: TOKEN } });
  const aksk = createImsClient({ endpoint: base, projectId: PROJECT, auth: CREDENTIALS });
  const signer = createSigner(CREDENTIALS);

  const json = { "content-type": "application/json" };
  const auth = { "x-auth-token": TOKEN };
  const raw = (method, url, body) =>
    body === undefined
      ? async () => (await fetch(url, { method, headers: { ...auth } })).json()
      : async () => (await fetch(url, { method, headers: { ...json, ...auth }, body: JSON.stringify(body) })).json();
  // Signs with the client's own signer, then sends: what a caller of the signer alone writes.
  const rawSigned = (method, url, body) => async () => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = { ...(text === undefined ? {} : json), "x-project-id": PROJECT };
    const signed = await signer.sign({ method, url, headers, body: text });
    return (await fetch(url, { method, headers: { ...headers, ...signed.headers }, ...(text === undefined ? {} : { body: text }) })).json();
  };

  // The same signed request through node:http (what the official SDK's axios sits on), with a
  // keep-alive agent: how much of a call is fetch itself.
  const agent = new Agent({ keepAlive: true });
  const httpSigned = (method, url) => async () => {
    const headers = { "x-project-id": PROJECT };
    const signed = await signer.sign({ method, url, headers });
    return new Promise((resolve, reject) => {
      const req = request(url, { method, agent, headers: { ...headers, ...signed.headers } }, (res) => {
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

  const membersUrl = `${base}/v1/cloudimages/members`;
  const jobUrl = `${base}/v1/${PROJECT}/jobs/${JOB}`;
  const progressUrl = `${base}/v1/cloudimages/job/${JOB}`;
  const listUrl = `${base}/v1/${PROJECT}/cloudimages/${IMAGE}/members`;
  const memberUrl = `${listUrl}/${MEMBER}`;
  // The client asks for a known page size when paging by the last item's ID (transport.ts).
  const sharedUrl = `${base}/v2/cloudimages?visibility=shared&__imagetype=shared&limit=100`;
  const drain = async (iterable) => {
    let n = 0;
    // eslint-disable-next-line no-unused-vars -- only the items' count matters
    for await (const _ of iterable) n++;
    return n;
  };

  const variants = {
    addImageMembers: { raw: raw("POST", membersUrl, MEMBERS_BODY), client: () => token.addImageMembers(MEMBERS_BODY) },
    updateImageMembers: { raw: raw("PUT", membersUrl, UPDATE_BODY), client: () => token.updateImageMembers(UPDATE_BODY) },
    deleteImageMembers: {
      raw: raw("DELETE", membersUrl, MEMBERS_BODY),
      client: () => token.deleteImageMembers(MEMBERS_BODY),
      rawSigned: rawSigned("DELETE", membersUrl, MEMBERS_BODY),
      clientAkSk: () => aksk.deleteImageMembers(MEMBERS_BODY),
    },
    listImageMembers: { raw: raw("GET", listUrl), client: () => token.listImageMembersPage(IMAGE) },
    showImageMember: { raw: raw("GET", memberUrl), client: () => token.getImageMember(IMAGE, MEMBER) },
    listSharedImages: { raw: raw("GET", sharedUrl), client: () => drain(token.listSharedImages()) },
    showJob: {
      raw: raw("GET", jobUrl),
      client: () => token.getJob(JOB),
      rawPlus10us: spin(10, raw("GET", jobUrl)),
      rawSigned: rawSigned("GET", jobUrl),
      clientAkSk: () => aksk.getJob(JOB),
      httpSigned: httpSigned("GET", jobUrl),
    },
    showJobProgress: { raw: raw("GET", progressUrl), client: () => token.getJobProgress(JOB) },
  };

  if (withOfficial) {
    // The official Node SDK (core 3.1.211 through huaweicloud-sdk-ecs 3.1.172): its showJob is
    // GET /v1/{project_id}/jobs/{job_id}, signed with AK/SK, through axios.
    const require = createRequire(path.join(root, "package.json"));
    const { BasicCredentials } = require("@huaweicloud/huaweicloud-sdk-core");
    const { EcsClient, ShowJobRequest } = require("@huaweicloud/huaweicloud-sdk-ecs");
    const ecs = EcsClient.newBuilder()
      .withCredential(new BasicCredentials().withAk(CREDENTIALS.accessKey).withSk(CREDENTIALS.secretKey).withProjectId(PROJECT))
      .withEndpoint(base)
      .build();
    variants.showJob.official = () => ecs.showJob(new ShowJobRequest().withJobId(JOB));
  }
  return variants;
}
