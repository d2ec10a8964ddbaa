/**
 * Deliberately broken IMS variants: each rewrites the fake's answers in one way that breaks the
 * contract (the spec, or what the spec promises about state, credentials and paging). The
 * contract suite must fail against every one of them, for the right reason, within seconds; a
 * suite that cannot fail proves nothing (Prism has been known to pass everything when a schema
 * is wrong). There is at least one per operation, and the paging bugs of member listings.
 *
 * Each is a pure `transform` of the fake's replies (`startFakeIms({ transform })`), so
 * `npm run fake -- --broken NAME` serves them too.
 */
import type { FakeReply } from "../fake/server.js";
import { SEED_IMAGES, SEED_PROJECTS } from "../fake/state.js";

export interface BrokenVariant {
  description: string;
  transform(reply: FakeReply, request: { method: string; path: string }): FakeReply;
}

interface Request {
  method: string;
  path: string;
}

const pathname = (r: Request) => new URL(r.path, "http://fake").pathname;
const query = (r: Request) => new URL(r.path, "http://fake").searchParams;
const isGet = (r: Request, pattern: RegExp) => r.method === "GET" && pattern.test(pathname(r));
const isJobRead = (r: Request) => isGet(r, /^\/v1\/(cloudimages\/job|[^/]+\/jobs)\/[^/]+$/);
const isShowJob = (r: Request) => isGet(r, /^\/v1\/[^/]+\/jobs\/[^/]+$/);
const isJobProgress = (r: Request) => isGet(r, /^\/v1\/cloudimages\/job\/[^/]+$/);
const isMemberList = (r: Request) => isGet(r, /^\/v1\/[^/]+\/cloudimages\/[^/]+\/members$/);
const isMemberShow = (r: Request) => isGet(r, /^\/v1\/[^/]+\/cloudimages\/[^/]+\/members\/[^/]+$/);
const isSharedImages = (r: Request) => isGet(r, /^\/v2\/cloudimages$/);
const isWrite = (r: Request, method?: string) =>
  pathname(r) === "/v1/cloudimages/members" && (method ? r.method === method : ["POST", "PUT", "DELETE"].includes(r.method));
const ok = (reply: FakeReply) => reply.status === 200;

function rewriteJson(reply: FakeReply, edit: (json: Record<string, unknown>) => void): FakeReply {
  try {
    const json = JSON.parse(reply.body) as Record<string, unknown>;
    edit(json);
    return { ...reply, body: JSON.stringify(json) };
  } catch {
    return reply;
  }
}

const imsError = (reply: FakeReply, status: number, code: string, message: string): FakeReply => ({
  ...reply,
  status,
  headers: { ...reply.headers, "content-type": "application/json" },
  body: JSON.stringify({ error: { code, message } }),
});

const errorCode = (reply: FakeReply): string | undefined => {
  try {
    const json = JSON.parse(reply.body) as { error?: { code?: unknown }; error_code?: unknown };
    const code = json.error?.code ?? json.error_code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
};

/** A member as the fake lists one. */
const member = (imageId: string, memberId: string) => ({
  member_id: memberId,
  status: "accepted",
  image_id: imageId,
  created_at: "2024-11-06T06:30:00Z",
  updated_at: "2024-11-06T06:30:00Z",
  schema: "/v2/schemas/member",
  member_type: "project",
});

export const BROKEN_VARIANTS: Record<string, BrokenVariant> = {
  // ---- Writes. ----
  "jobId-instead-of-job_id": {
    description: 'the DELETE answers {"jobId": …} instead of {"job_id": …}',
    transform: (reply, request) =>
      isWrite(request, "DELETE") && ok(reply)
        ? rewriteJson(reply, (j) => {
            j.jobId = j.job_id;
            delete j.job_id;
          })
        : reply,
  },
  "202-instead-of-200": {
    description: "the DELETE answers 202 instead of 200",
    transform: (reply, request) => (isWrite(request, "DELETE") && ok(reply) ? { ...reply, status: 202 } : reply),
  },
  "add-without-job_id": {
    description: "the POST (share) answers {} without the job_id",
    transform: (reply, request) => (isWrite(request, "POST") && ok(reply) ? { ...reply, body: "{}" } : reply),
  },
  "update-job_id-null": {
    description: 'the PUT (accept/reject) answers {"job_id": null}',
    transform: (reply, request) =>
      isWrite(request, "PUT") && ok(reply)
        ? rewriteJson(reply, (j) => {
            j.job_id = null;
          })
        : reply,
  },
  "invalid-body-accepted": {
    description: "the upstream accepts an invalid body (400 becomes 200 with a job ID)",
    transform: (reply, request) =>
      isWrite(request) && reply.status === 400
        ? { ...reply, status: 200, body: JSON.stringify({ job_id: "0123456789abcdef0123456789abcdef" }) }
        : reply,
  },

  // ---- Jobs. ----
  "status-DONE": {
    description: "a finished job has status DONE instead of SUCCESS/FAIL",
    transform: (reply, request) =>
      isJobRead(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            if (j.status === "SUCCESS" || j.status === "FAIL") j.status = "DONE";
          })
        : reply,
  },
  "numeric-job_id": {
    description: "jobs carry job_id as a number",
    transform: (reply, request) =>
      isJobRead(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            j.job_id = 12345;
          })
        : reply,
  },
  "process_percent-as-text": {
    description: 'progress comes as text ("50%") instead of a number',
    transform: (reply, request) =>
      isJobRead(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            const e = j.entities as Record<string, unknown> | undefined;
            if (e) e.process_percent = `${String(e.process_percent ?? 0)}%`;
          })
        : reply,
  },
  "text/plain-content-type": {
    description: "job answers are labelled text/plain",
    transform: (reply, request) => (isJobRead(request) ? { ...reply, headers: { ...reply.headers, "content-type": "text/plain" } } : reply),
  },
  "job-without-status": {
    description: "jobs come without their status field",
    transform: (reply, request) =>
      isJobRead(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            delete j.status;
          })
        : reply,
  },
  "results-not-array": {
    description: "a job's per-image results (GET /v1/{project_id}/jobs/{job_id}) come as an object instead of a list",
    transform: (reply, request) =>
      isShowJob(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            const e = j.entities as Record<string, unknown> | undefined;
            if (e) e.results = { count: Array.isArray(e.results) ? e.results.length : 0 };
          })
        : reply,
  },
  "progress-entities-as-list": {
    description: "a job's progress (GET /v1/cloudimages/job/{job_id}) carries entities as a list instead of an object",
    transform: (reply, request) =>
      isJobProgress(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            j.entities = [j.entities];
          })
        : reply,
  },
  "unknown-job-403": {
    description: "an unknown job answers 403 (a documented status and shape, but it says the credentials were refused)",
    transform: (reply, request) =>
      isJobRead(request) && reply.status === 404 ? imsError(reply, 403, "IMG.0026", "The role is invalid.") : reply,
  },
  "undeclared-418": {
    description: "an unknown job answers 418, a status the spec does not declare (Prism only warns)",
    transform: (reply) => (reply.status === 404 ? { ...reply, status: 418 } : reply),
  },

  // ---- Member reads. ----
  "member-status-uppercase": {
    description: "member listings give the status in upper case (ACCEPTED)",
    transform: (reply, request) =>
      isMemberList(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            for (const m of (j.members ?? []) as Array<Record<string, unknown>>) m.status = String(m.status).toUpperCase();
          })
        : reply,
  },
  "next_marker-repeats": {
    description: "member listings give, as the next marker, the marker they were asked for: the paging loops",
    transform: (reply, request) => {
      const marker = query(request).get("marker");
      return isMemberList(request) && ok(reply) && marker
        ? rewriteJson(reply, (j) => {
            j.page_info = { ...(j.page_info as object | undefined), next_marker: marker };
          })
        : reply;
    },
  },
  "page-drops-a-member": {
    description: "a member listing page of two or more drops its last member (its count adjusted to match)",
    transform: (reply, request) =>
      isMemberList(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            const members = j.members as unknown[];
            if (members.length < 2) return;
            members.pop();
            const info = j.page_info as Record<string, unknown> | undefined;
            if (info && typeof info.current_count === "number") info.current_count = members.length;
          })
        : reply,
  },
  "member-without-member_id": {
    description: "one member (GET …/members/{member_id}) comes without its member_id",
    transform: (reply, request) =>
      isMemberShow(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            delete j.member_id;
          })
        : reply,
  },
  "shared-image-id-malformed": {
    description: "images shared with you (GET /v2/cloudimages) carry IDs that are not UUIDs",
    transform: (reply, request) =>
      isSharedImages(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            for (const i of (j.images ?? []) as Array<Record<string, unknown>>) i.id = `img-${String(i.id)}`;
          })
        : reply,
  },
  "success-changes-nothing": {
    description: "jobs end SUCCESS but nothing read back ever changes (member listings and shared images frozen at the seed)",
    transform: (reply, request) => {
      if (!ok(reply)) return reply;
      const parts = pathname(request).split("/");
      if (isMemberList(request)) {
        const image = parts[3]!;
        const after = query(request).get("marker");
        const last = after === null ? undefined : Buffer.from(after, "base64").toString("utf8");
        const limit = Number(query(request).get("limit") ?? 500);
        const rest = [...SEED_PROJECTS].sort().filter((id) => last === undefined || id > last);
        const page = rest.slice(0, limit);
        const more = rest.length > page.length;
        return {
          ...reply,
          body: JSON.stringify({
            members: page.map((id) => member(image, id)),
            schema: "/v2/schemas/members",
            page_info: { next_marker: more ? Buffer.from(page.at(-1)!, "utf8").toString("base64") : "", current_count: page.length },
          }),
        };
      }
      if (isMemberShow(request)) return { ...reply, body: JSON.stringify(member(parts[3]!, parts[5]!)) };
      if (isSharedImages(request)) {
        const status = query(request).get("member_status") ?? "accepted";
        const after = query(request).get("marker");
        const limit = Number(query(request).get("limit") ?? 500);
        const ids = (status === "accepted" ? [...SEED_IMAGES].sort() : []).filter((id) => after === null || id > after).slice(0, limit);
        return rewriteJson(reply, (j) => {
          j.images = ids.map((id) => ({ id, name: "frozen", visibility: "shared", __imagetype: "shared", status: "active" }));
        });
      }
      return reply;
    },
  },

  // ---- Every answer. ----
  "no-X-Request-Id": {
    description: "no X-Request-Id header on any response",
    transform: (reply) => {
      const headers = { ...reply.headers };
      delete headers["x-request-id"];
      return { ...reply, headers };
    },
  },
  "error-body-wrong-shape": {
    description: "errors come as {\"message\": …} instead of IMS's or the gateway's shape",
    transform: (reply) =>
      reply.status >= 400
        ? rewriteJson(reply, (j) => {
            const message = JSON.stringify(j);
            for (const key of Object.keys(j)) delete j[key];
            j.message = message;
          })
        : reply,
  },

  // ---- Credentials. ----
  "refuses-every-credential": {
    description: "every request is refused with 401 APIGW.0301, valid credentials included",
    transform: (reply) => ({
      ...reply,
      status: 401,
      headers: { ...reply.headers, "content-type": "application/json" },
      body: JSON.stringify({
        error_code: "APIGW.0301",
        error_msg: "Incorrect IAM authentication information: refused",
        request_id: reply.headers["x-request-id"] ?? "0",
      }),
    }),
  },
  "no-credentials-accepted": {
    description: "a request without credentials is not refused (its 401 becomes what an authenticated request would get)",
    transform: (reply, request) =>
      reply.status === 401 && errorCode(reply) !== "APIGW.0301"
        ? isJobRead(request)
          ? imsError(reply, 404, "IMG.0023", "Failed to query the job.")
          : imsError(reply, 400, "IMG.0001", "The request format is incorrect.")
        : reply,
  },
  "signature-not-checked": {
    description: "a request with a wrong AK/SK signature is not refused (its 401 APIGW.0301 becomes what a signed request would get)",
    transform: (reply, request) =>
      reply.status === 401 && errorCode(reply) === "APIGW.0301"
        ? isJobRead(request)
          ? imsError(reply, 404, "IMG.0023", "Failed to query the job.")
          : imsError(reply, 400, "IMG.0001", "The request format is incorrect.")
        : reply,
  },
};
