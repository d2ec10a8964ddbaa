/**
 * Deliberately broken IMS variants: each rewrites the fake's answers in one way that breaks the
 * spec. The contract suite must fail against every one of them; a suite that cannot fail proves
 * nothing (Prism has been known to pass everything when a schema is wrong).
 */
import type { FakeReply } from "../fake/server.js";

export interface BrokenVariant {
  description: string;
  transform(reply: FakeReply, request: { method: string; path: string }): FakeReply;
}

const isJobRead = (r: { method: string; path: string }) => r.method === "GET" && /\/jobs?\//.test(r.path);
const isDelete = (r: { method: string }) => r.method === "DELETE";
function rewriteJson(reply: FakeReply, edit: (json: Record<string, unknown>) => void): FakeReply {
  try {
    const json = JSON.parse(reply.body) as Record<string, unknown>;
    edit(json);
    return { ...reply, body: JSON.stringify(json) };
  } catch {
    return reply;
  }
}

export const BROKEN_VARIANTS: Record<string, BrokenVariant> = {
  "jobId-instead-of-job_id": {
    description: "the DELETE answers {\"jobId\": …} instead of {\"job_id\": …}",
    transform: (reply, request) => (isDelete(request) && reply.status === 200
      ? rewriteJson(reply, (j) => { j.jobId = j.job_id; delete j.job_id; })
      : reply),
  },
  "202-instead-of-200": {
    description: "the DELETE answers 202 instead of 200",
    transform: (reply, request) => (isDelete(request) && reply.status === 200 ? { ...reply, status: 202 } : reply),
  },
  "status-DONE": {
    description: "a finished job has status DONE instead of SUCCESS/FAIL",
    transform: (reply, request) => (isJobRead(request) && reply.status === 200
      ? rewriteJson(reply, (j) => { if (j.status === "SUCCESS" || j.status === "FAIL") j.status = "DONE"; })
      : reply),
  },
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
    transform: (reply) => (reply.status >= 400 ? rewriteJson(reply, (j) => {
      const message = JSON.stringify(j);
      for (const key of Object.keys(j)) delete j[key];
      j.message = message;
    }) : reply),
  },
  "numeric-job_id": {
    description: "jobs carry job_id as a number",
    transform: (reply, request) => (isJobRead(request) && reply.status === 200 ? rewriteJson(reply, (j) => { j.job_id = 12345; }) : reply),
  },
  "process_percent-as-text": {
    description: "progress comes as text (\"50%\") instead of a number",
    transform: (reply, request) => (isJobRead(request) && reply.status === 200
      ? rewriteJson(reply, (j) => { const e = j.entities as Record<string, unknown> | undefined; if (e) e.process_percent = `${String(e.process_percent ?? 0)}%`; })
      : reply),
  },
  "text/plain-content-type": {
    description: "job answers are labelled text/plain",
    transform: (reply, request) => (isJobRead(request) ? { ...reply, headers: { ...reply.headers, "content-type": "text/plain" } } : reply),
  },
  "undeclared-418": {
    description: "an unknown job answers 418, a status the spec does not declare (Prism only warns)",
    transform: (reply) => (reply.status === 404 ? { ...reply, status: 418 } : reply),
  },
  "job-without-status": {
    description: "jobs come without their status field",
    transform: (reply, request) => (isJobRead(request) && reply.status === 200 ? rewriteJson(reply, (j) => { delete j.status; }) : reply),
  },
};
