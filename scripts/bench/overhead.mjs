// Per-call overhead: for every operation of the spec's table, the client's `call(operationId,
// input)` against a raw fetch sending the identical request (token auth), on a minimal node:http
// server in its own process that answers each operation with the spec's example; then AK/SK,
// with the official Huawei Cloud Node SDK's showJob as a peer of the client's. The inputs come
// from the spec's examples (spec-calls.mjs), so an operation added to the spec gets its row with
// no edit here. The calls run in a third process (overhead-client.mjs) whose stdout is
// discarded, so that nothing the official SDK core logs reaches this report.
import { fork } from "node:child_process";
import { fmt, median, table } from "./lib.mjs";
import { AKSK_READ, AKSK_WRITE } from "./overhead-ops.mjs";
import { describeInput, loadTable } from "./spec-calls.mjs";

const GOAL = 1.1;
const OFFICIAL_GOAL = 2;

export function started(child) {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${child.spawnfile} exited with ${code} before it was ready`)));
    child.stdout.once("data", (d) => resolve(Number(String(d).trim())));
  });
}

/** The bench server (server.mjs) in its own process, and its base URL once it listens. */
export async function startServer(dist) {
  const server = fork(new URL("server.mjs", import.meta.url), [dist], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
  const port = await started(server);
  return { server, base: `http://127.0.0.1:${port}`, stop: () => server.connected && server.send("stop") };
}

export async function overhead({ dist, root, quick }) {
  const OPERATIONS = await loadTable(dist);
  const { base, stop } = await startServer(dist);
  try {
    const caller = fork(new URL("overhead-client.mjs", import.meta.url), [base, dist, root, quick ? "1" : "0"], {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const run = await new Promise((resolve, reject) => {
      let result;
      caller.once("message", (m) => (result = m));
      caller.once("error", reject);
      caller.once("exit", (code) =>
        result ? resolve(result) : reject(new Error(`overhead-client.mjs exited with ${code} without results`)),
      );
    });
    const { calls, warmup, rounds, order, failed, results } = run;

    // Ratios are taken round by round (the variants of a round ran back to back, under the same
    // load), then their median: machine-wide slowdowns cancel out.
    const ratio = (r, a, b) => median(r[a].map((x, i) => x / r[b][i]));
    const figures = {};
    const rows = [];
    for (const op of order) {
      const { method, path } = OPERATIONS[op];
      if (failed[op]) {
        rows.push([
          op,
          `\`${method} ${path}\``,
          describeInput(op, OPERATIONS[op]),
          "",
          "",
          "**failed**",
          `≤ ${fmt(GOAL)}`,
          failed[op].replaceAll("|", "\\|"),
        ]);
        continue;
      }
      const r = results[op].token;
      const raw = median(r.raw);
      const client = median(r.client);
      const x = ratio(r, "client", "raw");
      figures[op] = { token: { raw, client, ratio: x, rounds: r } };
      rows.push([
        op,
        `\`${method} ${path}\``,
        describeInput(op, OPERATIONS[op]),
        fmt(raw, 0),
        fmt(client, 0),
        `**${fmt(x)}**`,
        `≤ ${fmt(GOAL)}`,
        x <= GOAL ? "met" : "missed",
      ]);
    }

    const read = results[AKSK_READ];
    const readPath = `\`${OPERATIONS[AKSK_READ].method} ${OPERATIONS[AKSK_READ].path}\``;
    const calibration = ratio(read.token, "rawPlus10us", "raw");
    figures[AKSK_READ].token.calibration10us = { us: median(read.token.rawPlus10us), ratio: calibration };
    rows.push([
      "(calibration: not a client)",
      readPath,
      "raw fetch after 10 µs of busy CPU work",
      fmt(median(read.token.raw), 0),
      fmt(median(read.token.rawPlus10us), 0),
      fmt(calibration),
      "(reported)",
      "",
    ]);

    const del = results[AKSK_WRITE].aksk;
    const job = read.aksk;
    const m = (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)]));
    const delM = m(del);
    const jobM = m(job);
    const officialRatio = ratio(job, "official", "clientAkSk");
    figures[AKSK_WRITE].aksk = { ...delM, ratio: ratio(del, "clientAkSk", "rawSigned"), rounds: del };
    figures[AKSK_READ].aksk = {
      ...jobM,
      ratio: ratio(job, "clientAkSk", "rawSigned"),
      officialToClient: officialRatio,
      httpToClient: ratio(job, "httpSigned", "clientAkSk"),
      rounds: job,
    };
    const peers = [
      [
        `\`${AKSK_READ}\`: raw fetch, signed with the client's signer`,
        fmt(jobM.rawSigned, 0),
        fmt(ratio(job, "rawSigned", "clientAkSk")),
        "(reported)",
        "",
      ],
      [`\`${AKSK_READ}\`: this client's \`call\``, fmt(jobM.clientAkSk, 0), "1.00", "", ""],
      [
        `\`${AKSK_READ}\`: official SDK, \`EcsClient.showJob\` (core 3.1.211, ecs 3.1.172)`,
        fmt(jobM.official, 0),
        `**${fmt(officialRatio)}**`,
        `≥ ${fmt(OFFICIAL_GOAL)}`,
        officialRatio >= OFFICIAL_GOAL ? "met" : "missed",
      ],
      [
        `\`${AKSK_READ}\`: node:http request, signed with the client's signer ` +
          "(keep-alive agent; reference: what the official SDK's axios sits on)",
        fmt(jobM.httpSigned, 0),
        fmt(ratio(job, "httpSigned", "clientAkSk")),
        "(reported)",
        "",
      ],
      [
        `\`${AKSK_WRITE}\`: raw fetch, signed with the client's signer`,
        fmt(delM.rawSigned, 0),
        fmt(ratio(del, "rawSigned", "clientAkSk")),
        "(reported)",
        "",
      ],
      [`\`${AKSK_WRITE}\`: this client's \`call\``, fmt(delM.clientAkSk, 0), "1.00", "(reported)", ""],
    ];

    return {
      figures: { calls, warmup, rounds, sameRequest: run.checks, failed, operations: figures },
      failures: Object.entries(failed).map(([op, why]) => `${op}: the client failed the call the spec's examples make (${why})`),
      markdown:
        `${rounds} interleaved rounds of ${calls} sequential calls per variant (after ${warmup} warm-up calls); µs per call are ` +
        `medians over the rounds, ratios the median of the per-round ratios. ` +
        `Loopback, keep-alive, the server in its own process (IMS and IAM endpoint both) answering each operation with the spec's ` +
        `example; the client's \`call(operationId, input)\` with the input made of the spec's examples, the raw fetch sending the ` +
        `same; before timing, the server checked that each raw fetch sent the very request (method, URL with its query, headers, ` +
        `body) the client sent, and took it for that operation.\n\n` +
        `Token auth, every operation of the table (${order.length}):\n\n` +
        table(["operation", "request", "input (the spec's examples)", "raw fetch (µs)", "client (µs)", "client / raw", "goal", ""], rows) +
        `\n\nAK/SK, the official Node SDK as a peer (same server, same rounds; ratio: each call's cost over this client's):\n\n` +
        table(["call (AK/SK)", "µs per call", "ratio to this client", "goal", ""], peers),
    };
  } finally {
    stop();
  }
}
