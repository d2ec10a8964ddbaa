// One region's fake IMS for the sharing benchmark, in its own process (so that the fakes' work
// does not share the benchmark's event loop). Driven over IPC:
//   { type: "start", region, images, jobDurationMs, latencyMs } → { type: "ready", url }
//   { type: "stats" } → { type: "stats", total, writes, byOperation }  (what the fake saw so far)
//   { type: "stop" }  → closes and exits
// node fake-region.mjs <dist>
import path from "node:path";

const { startFakeIms } = await import(path.join(process.argv[2], "src/fake/index.js"));
let fake;

function stats() {
  const byOperation = {};
  let writes = 0;
  for (const r of fake.requests) {
    const key = r.operation ?? `${r.method} (unrouted)`;
    byOperation[key] = (byOperation[key] ?? 0) + 1;
    if (r.method !== "GET") writes++;
  }
  return { total: fake.requests.length, writes, byOperation };
}

// No orphan: the fake ends with the benchmark, however that one ended.
process.on("disconnect", () => process.exit(0));
process.on("message", async (message) => {
  if (message.type === "start") {
    fake = await startFakeIms({
      region: message.region,
      jobDurationMs: message.jobDurationMs,
      images: message.images,
      faults: message.latencyMs ? [{ type: "latency", delayMs: message.latencyMs }] : [],
    });
    process.send({ type: "ready", url: fake.url });
  } else if (message.type === "stats") {
    process.send({ type: "stats", ...stats() });
  } else if (message.type === "stop") {
    await fake?.close();
    process.exit(0);
  }
});
