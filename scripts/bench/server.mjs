// A minimal IMS stand-in for the overhead benchmark, in its own process: answers every operation
// of the spec's table with a fixed, valid JSON body (the spec's own examples), as fast as
// node:http can. Prints its port on stdout; stops on any IPC message, or when its parent goes.
//
// While recording (`GET /__record/on`, until `/__record/off`), `GET /__last` answers with the
// previous request as the server saw it (method, URL, headers, body), so the benchmark can check
// that the client and the raw fetch send the same request.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const spec = JSON.parse(readFileSync(new URL("../../generated/openapi.json", import.meta.url), "utf8"));
const example = (name) => spec.components.examples[name].value;
const ops = spec.paths;
const accepted = JSON.stringify(ops["/v1/cloudimages/members"].delete.responses["200"].content["application/json"].examples.seed.value);
const job = JSON.stringify(example("JobSuccess"));
const progress = JSON.stringify(example("JobProgressSuccess"));
const members = JSON.stringify(example("MembersProjects"));
const member = JSON.stringify(
  ops["/v1/{project_id}/cloudimages/{image_id}/members/{member_id}"].get.responses["200"].content["application/json"].examples.accepted
    .value,
);
const shared = JSON.stringify(ops["/v2/cloudimages"].get.responses["200"].content["application/json"].examples.pending.value);

/** The body for a request: by method and path shape, as the operation table routes them. */
function answer(method, pathname) {
  if (pathname === "/v1/cloudimages/members") return method === "GET" ? undefined : accepted;
  if (method !== "GET") return undefined;
  if (pathname === "/v2/cloudimages") return shared;
  if (pathname.startsWith("/v1/cloudimages/job/")) return progress;
  const parts = pathname.split("/");
  // /v1/{project_id}/jobs/{job_id}
  if (parts.length === 5 && parts[3] === "jobs") return job;
  // /v1/{project_id}/cloudimages/{image_id}/members[/{member_id}]
  if (parts[3] === "cloudimages" && parts[5] === "members") return parts.length === 6 ? members : parts.length === 7 ? member : undefined;
  return undefined;
}

let last = null;
let record = false;
const server = createServer((req, res) => {
  if (req.url === "/__last") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(last));
    return;
  }
  if (req.url === "/__record/on" || req.url === "/__record/off") {
    record = req.url.endsWith("/on");
    last = null;
    res.end("{}");
    return;
  }
  const chunks = record ? [] : undefined;
  if (chunks) req.on("data", (d) => chunks.push(d));
  else req.resume();
  req.on("end", () => {
    const q = req.url.indexOf("?");
    const body = answer(req.method, q < 0 ? req.url : req.url.slice(0, q));
    if (chunks) last = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
    if (body === undefined) {
      res.writeHead(404, { "content-type": "application/json", "x-request-id": "bench" });
      res.end(JSON.stringify({ error: { code: "IMG.0000", message: `bench server: no route for ${req.method} ${req.url}` } }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "x-request-id": "bench" });
    res.end(body);
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
process.on("message", () => server.close(() => process.exit(0)));
// No orphan: the server ends with the process that started it, however that one ended.
process.on("disconnect", () => process.exit(0));
