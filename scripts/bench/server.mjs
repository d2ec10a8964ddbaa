// A minimal IMS stand-in for the overhead benchmark, in its own process: answers the DELETE and
// the job GET with fixed JSON, as fast as node:http can. Prints its port on stdout.
import { createServer } from "node:http";

const accepted = JSON.stringify({ job_id: "edc89b490d7d4392898e19b2deb34797" });
const job = JSON.stringify({ job_id: "edc89b490d7d4392898e19b2deb34797", job_type: "imsDelImageMembersJob", status: "SUCCESS", begin_time: "2024-11-06T06:33:32.781Z", end_time: "2024-11-06T06:33:34.181Z", error_code: null, fail_reason: null, entities: { results: [] } });
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "x-request-id": "bench" });
    res.end(req.method === "DELETE" ? accepted : job);
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
process.on("message", () => server.close(() => process.exit(0)));
