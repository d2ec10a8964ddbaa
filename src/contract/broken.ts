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
import { matchRoute } from "../fake/routes.js";
import { SEED_IMAGES, SEED_PROJECTS } from "../fake/state.js";
import { isJobOperation, OPERATION_IDS, operationSpec, pick, type OperationId } from "../operations.js";
import { readsAJob, route } from "./context.js";

export interface BrokenVariant {
  description: string;
  transform: (reply: FakeReply, request: { method: string; path: string }) => FakeReply;
}

interface Request {
  method: string;
  path: string;
}

const url = (r: Request) => new URL(r.path, "http://fake");
const query = (r: Request) => url(r).searchParams;
/** The operation a request is for, and its path parameters: the table's routes, as the fake routes them. */
const routed = (r: Request) => matchRoute(r.method, url(r).pathname);
const isFor = (r: Request, ...ids: OperationId[]) => {
  const id = routed(r)?.route.id;
  return id !== undefined && ids.includes(id);
};
/** The operations that read a job: the GETs whose path names one. */
const JOB_READS = OPERATION_IDS.filter(readsAJob);
const isJobRead = (r: Request) => isFor(r, ...JOB_READS);
/** A write: an operation that answers with a job. */
const isWrite = (r: Request) => {
  const id = routed(r)?.route.id;
  return id !== undefined && isJobOperation(id);
};
/** Where a finished copy's job names the new image (`entities.image_id`), from the table. */
const COPY_RESULT = operationSpec("copyImageInRegion").job?.result ?? "entities.image_id";
/** Where a paginated operation's items, limit, marker and next marker are. */
const paging = (id: OperationId) => operationSpec(id).pagination!;
const ok = (reply: FakeReply) => reply.status === 200;

/** The reply with its JSON body replaced by what `make` makes of it (a body that is not JSON: the reply as it is). */
function replaceJson(reply: FakeReply, make: (json: Record<string, unknown>) => unknown): FakeReply {
  try {
    return { ...reply, body: JSON.stringify(make(JSON.parse(reply.body) as Record<string, unknown>)) };
  } catch {
    return reply;
  }
}

/** The reply with its JSON body edited in place by `edit`. */
const rewriteJson = (reply: FakeReply, edit: (json: Record<string, unknown>) => void): FakeReply =>
  replaceJson(reply, (json) => {
    edit(json);
    return json;
  });

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

/** The items of a paginated operation's answer (the array itself, to edit in place). */
function items(json: Record<string, unknown>, id: OperationId): Array<Record<string, unknown>> {
  const found = pick(json, paging(id).items);
  return Array.isArray(found) ? (found as Array<Record<string, unknown>>) : [];
}

/** Sets a dotted path (`page_info.next_marker`) in a parsed body, making the objects on the way. */
function setAt(json: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let node = json;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = next && typeof next === "object" ? (next as Record<string, unknown>) : (node[key] = {});
  }
  node[keys.at(-1)!] = value;
}

/** A page of `ids` in order, after the marker: the frozen member listing's own paging (its marker is the last ID, in base64). */
function frozenPage(ids: readonly string[], id: OperationId, search: URLSearchParams) {
  const { marker, limit } = paging(id);
  const after = search.get(marker);
  const last = after === null ? undefined : Buffer.from(after, "base64").toString("utf8");
  const rest = [...ids].sort().filter((i) => last === undefined || i > last);
  const page = rest.slice(0, Number(search.get(limit) ?? 500));
  return { page, next: rest.length > page.length ? Buffer.from(page.at(-1)!, "utf8").toString("base64") : "" };
}

/** The answer a frozen read gives instead: the fake's own answer, edited, or another. */
type Freeze = (json: Record<string, unknown>, params: Record<string, string>, search: URLSearchParams) => Record<string, unknown>;

/** What the reads answer when nothing ever changes: the seed's members (all accepted), and the seed images as accepted shares. */
const FROZEN: Partial<Record<OperationId, Freeze>> = {
  listImageMembers(json, params, search) {
    const { page, next } = frozenPage(SEED_PROJECTS, "listImageMembers", search);
    setAt(
      json,
      paging("listImageMembers").items,
      page.map((project) => member(params.image_id!, project)),
    );
    setAt(json, paging("listImageMembers").next, next);
    setAt(json, "page_info.current_count", page.length);
    return json;
  },
  showImageMember: (_json, params) => member(params.image_id!, params.member_id!),
  listImages(json, _params, search) {
    // The last-ID paging of the table: the marker is the last image seen, as it is.
    const { marker, limit } = paging("listImages");
    const after = search.get(marker);
    const accepted = (search.get("member_status") ?? "accepted") === "accepted" ? [...SEED_IMAGES].sort() : [];
    const ids = accepted.filter((id) => after === null || id > after).slice(0, Number(search.get(limit) ?? 500));
    setAt(
      json,
      paging("listImages").items,
      ids.map((id) => ({ id, name: "frozen", visibility: "shared", __imagetype: "shared", status: "active" })),
    );
    return json;
  },
};

export const BROKEN_VARIANTS: Record<string, BrokenVariant> = {
  // ---- Writes. ----
  "jobId-instead-of-job_id": {
    description: `${route("deleteImageMembers")} answers {"jobId": …} instead of {"job_id": …}`,
    transform: (reply, request) =>
      isFor(request, "deleteImageMembers") && ok(reply)
        ? rewriteJson(reply, (j) => {
            j.jobId = j.job_id;
            delete j.job_id;
          })
        : reply,
  },
  "202-instead-of-200": {
    description: `${route("deleteImageMembers")} answers 202 instead of 200`,
    transform: (reply, request) => (isFor(request, "deleteImageMembers") && ok(reply) ? { ...reply, status: 202 } : reply),
  },
  "add-without-job_id": {
    description: `${route("addImageMembers")} (share) answers {} without the job_id`,
    transform: (reply, request) => (isFor(request, "addImageMembers") && ok(reply) ? { ...reply, body: "{}" } : reply),
  },
  "update-job_id-null": {
    description: `${route("updateImageMembers")} (accept/reject) answers {"job_id": null}`,
    transform: (reply, request) =>
      isFor(request, "updateImageMembers") && ok(reply)
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
            if (e) e.process_percent = `${typeof e.process_percent === "number" ? e.process_percent : 0}%`;
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
    description: `a job's per-image results (${route("showJob")}) come as an object instead of a list`,
    transform: (reply, request) =>
      isFor(request, "showJob") && ok(reply)
        ? rewriteJson(reply, (j) => {
            const e = j.entities as Record<string, unknown> | undefined;
            if (e) e.results = { count: Array.isArray(e.results) ? e.results.length : 0 };
          })
        : reply,
  },
  "progress-entities-as-list": {
    description: `a job's progress (${route("showJobProgress")}) carries entities as a list instead of an object`,
    transform: (reply, request) =>
      isFor(request, "showJobProgress") && ok(reply)
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
      isFor(request, "listImageMembers") && ok(reply)
        ? rewriteJson(reply, (j) => {
            for (const m of items(j, "listImageMembers")) m.status = String(m.status).toUpperCase();
          })
        : reply,
  },
  "next_marker-repeats": {
    description: "member listings give, as the next marker, the marker they were asked for: the paging loops",
    transform: (reply, request) => {
      const { marker: name, next } = paging("listImageMembers");
      const marker = query(request).get(name);
      return isFor(request, "listImageMembers") && ok(reply) && marker ? rewriteJson(reply, (j) => setAt(j, next, marker)) : reply;
    },
  },
  "page-drops-a-member": {
    description: "a member listing page of two or more drops its last member (its count adjusted to match)",
    transform: (reply, request) =>
      isFor(request, "listImageMembers") && ok(reply)
        ? rewriteJson(reply, (j) => {
            const members = items(j, "listImageMembers");
            if (members.length < 2) return;
            members.pop();
            const info = j.page_info as Record<string, unknown> | undefined;
            if (info && typeof info.current_count === "number") info.current_count = members.length;
          })
        : reply,
  },
  "member-without-member_id": {
    description: `one member (${route("showImageMember")}) comes without its member_id`,
    transform: (reply, request) =>
      isFor(request, "showImageMember") && ok(reply)
        ? rewriteJson(reply, (j) => {
            delete j.member_id;
          })
        : reply,
  },
  "shared-image-id-malformed": {
    description: `images shared with you (${route("listImages")}) carry IDs that are not UUIDs`,
    transform: (reply, request) =>
      isFor(request, "listImages") && ok(reply)
        ? rewriteJson(reply, (j) => {
            for (const i of items(j, "listImages")) i.id = `img-${String(i.id)}`;
          })
        : reply,
  },
  "success-changes-nothing": {
    description: "jobs end SUCCESS but nothing read back ever changes (member listings and shared images frozen at the seed)",
    transform: (reply, request) => {
      const found = ok(reply) ? routed(request) : undefined;
      const frozen = found && FROZEN[found.route.id];
      return frozen ? replaceJson(reply, (j) => frozen(j, found.params, query(request))) : reply;
    },
  },

  // ---- Images, quota, IAM. ----
  "quota-used-as-text": {
    description: `the image quota (${route("showImageQuota")}) gives what is used as text ("3") instead of a number`,
    transform: (reply, request) =>
      isFor(request, "showImageQuota") && ok(reply)
        ? rewriteJson(reply, (j) => {
            const quotas = j.quotas as { resources?: Array<Record<string, unknown>> } | undefined;
            for (const r of quotas?.resources ?? []) r.used = String(r.used);
          })
        : reply,
  },
  "project-without-id": {
    description: `IAM's projects (${route("keystoneListProjects")}) come without their id`,
    transform: (reply, request) =>
      isFor(request, "keystoneListProjects") && ok(reply)
        ? rewriteJson(reply, (j) => {
            for (const p of Array.isArray(j.projects) ? (j.projects as Array<Record<string, unknown>>) : []) delete p.id;
          })
        : reply,
  },
  "copy-names-no-image": {
    description: `a finished copy's job (${route("copyImageInRegion")}) does not name the new image (${COPY_RESULT})`,
    transform: (reply, request) =>
      isJobRead(request) && ok(reply)
        ? rewriteJson(reply, (j) => {
            if (j.job_type !== operationSpec("copyImageInRegion").job?.type) return;
            const keys = COPY_RESULT.split(".");
            const parent = pick(j, keys.slice(0, -1).join("."));
            if (parent && typeof parent === "object") Reflect.deleteProperty(parent, keys.at(-1)!);
          })
        : reply,
  },
  "delete-answers-200": {
    description: `${route("glanceDeleteImage")} answers 200 with a body instead of 204`,
    transform: (reply, request) =>
      isFor(request, "glanceDeleteImage") && reply.status === 204
        ? { ...reply, status: 200, headers: { ...reply.headers, "content-type": "application/json" }, body: "{}" }
        : reply,
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
    transform: (reply) => (reply.status >= 400 ? replaceJson(reply, (j) => ({ message: JSON.stringify(j) })) : reply),
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
