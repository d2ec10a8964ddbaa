// A minimal IMS (and IAM) stand-in for the overhead and discovery benchmarks, in its own process:
// routes every request by the operation table's method and path templates (a literal segment
// before a parameter, as `/v1/cloudimages/job/{job_id}` beside `/v1/{project_id}/jobs/{job_id}`;
// IAM's `/v3/projects` too, this one server being the clients' IAM endpoint as well) and answers
// with the operation's own example from the spec (spec-calls.mjs), as fast as node:http can.
// Prints its port on stdout; stops on any IPC message, or when its parent goes.
//
//   node server.mjs <dist>
//
// Control paths (outside the table): while recording (`GET /__record/on`, until `/__record/off`),
// `GET /__last` answers with the previous request as the server saw it (method, URL, headers,
// body, the operation it matched), so a benchmark can check that the client and the raw fetch
// send the same request; `GET /__counts` answers the requests per operation since the previous
// `/__counts` (so that discovery's IAM requests are counted where they arrive).
import { createServer } from "node:http";
import { answerOf, loadTable } from "./spec-calls.mjs";

const [dist] = process.argv.slice(2);
if (!dist) throw new Error("usage: server.mjs <dist>");
const table = await loadTable(dist);

const routes = Object.entries(table).map(([id, op]) => {
  const { status, body } = answerOf(id, op);
  return { id, method: op.method, segments: op.path.split("/"), status, body };
});
/** Literal before parameter, segment by segment from the left: the more literal route first. */
const specificity = (r) => r.segments.map((s) => (s.startsWith("{") ? "1" : "0")).join("");
routes.sort((a, b) => specificity(a).localeCompare(specificity(b)));

function route(method, pathname) {
  const parts = pathname.split("/");
  return routes.find(
    (r) => r.method === method && r.segments.length === parts.length && r.segments.every((s, i) => s.startsWith("{") || s === parts[i]),
  );
}

let last = null;
let record = false;
let counts = {};
function control(req, res) {
  const reply = (value) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
  if (req.url === "/__last") return reply(last);
  if (req.url === "/__counts") {
    const seen = counts;
    counts = {};
    return reply(seen);
  }
  if (req.url === "/__record/on" || req.url === "/__record/off") {
    record = req.url.endsWith("/on");
    last = null;
    return reply({});
  }
  res.writeHead(404).end();
}

const server = createServer((req, res) => {
  if (req.url.startsWith("/__")) return control(req, res);
  const chunks = record ? [] : undefined;
  if (chunks) req.on("data", (d) => chunks.push(d));
  else req.resume();
  req.on("end", () => {
    const q = req.url.indexOf("?");
    const found = route(req.method, q < 0 ? req.url : req.url.slice(0, q));
    if (found) counts[found.id] = (counts[found.id] ?? 0) + 1;
    if (chunks) {
      const body = Buffer.concat(chunks).toString("utf8");
      last = { method: req.method, url: req.url, headers: req.headers, body, operation: found?.id ?? null };
    }
    if (!found) {
      res.writeHead(404, { "content-type": "application/json", "x-request-id": "bench" });
      res.end(JSON.stringify({ error: { code: "IMG.0000", message: `bench server: no route for ${req.method} ${req.url}` } }));
      return;
    }
    if (found.body === undefined) {
      res.writeHead(found.status, { "x-request-id": "bench" });
      res.end();
      return;
    }
    res.writeHead(found.status, { "content-type": "application/json", "x-request-id": "bench" });
    res.end(found.body);
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
process.on("message", () => server.close(() => process.exit(0)));
// No orphan: the server ends with the process that started it, however that one ended.
process.on("disconnect", () => process.exit(0));
