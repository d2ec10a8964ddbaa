// Per-call overhead: for every operation of the spec's table, the client against a raw fetch
// sending the identical request (token auth), on a minimal node:http server in its own process;
// then AK/SK, with the official Huawei Cloud Node SDK's showJob as a peer of the client's getJob.
// The calls run in a third process (overhead-client.mjs) whose stdout is discarded, so that
// nothing the official SDK core logs reaches this report.
import { fork } from "node:child_process";
import { fmt, median, table } from "./lib.mjs";
import { CLIENT_CALL, OPERATION_ORDER } from "./overhead-ops.mjs";

const GOAL = 1.1;
const OFFICIAL_GOAL = 2;

function started(child) {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${child.spawnfile} exited with ${code} before it was ready`)));
    child.stdout.once("data", (d) => resolve(Number(String(d).trim())));
  });
}

export async function overhead({ dist, root, quick }) {
  const { OPERATIONS } = await import(`${dist}/src/index.js`);
  const server = fork(new URL("server.mjs", import.meta.url), [], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
  try {
    const port = await started(server);
    const base = `http://127.0.0.1:${port}`;
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
    const { calls, warmup, rounds, results } = run;

    // Ratios are taken round by round (the variants of a round ran back to back, under the same
    // load), then their median: machine-wide slowdowns cancel out.
    const ratio = (r, a, b) => median(r[a].map((x, i) => x / r[b][i]));
    const figures = {};
    const rows = [];
    for (const op of OPERATION_ORDER) {
      const r = results[op].token;
      const raw = median(r.raw);
      const client = median(r.client);
      const x = ratio(r, "client", "raw");
      figures[op] = { token: { raw, client, ratio: x, rounds: r } };
      const { method, path } = OPERATIONS[op];
      rows.push([
        op,
        `\`${method} ${path}\``,
        `\`${CLIENT_CALL[op]}\``,
        fmt(raw, 0),
        fmt(client, 0),
        `**${fmt(x)}**`,
        `≤ ${fmt(GOAL)}`,
        x <= GOAL ? "met" : "missed",
      ]);
    }

    const calibration = ratio(results.showJob.token, "rawPlus10us", "raw");
    figures.showJob.token.calibration10us = { us: median(results.showJob.token.rawPlus10us), ratio: calibration };
    rows.push([
      "(calibration: not a client)",
      "`GET /v1/{project_id}/jobs/{job_id}`",
      "raw fetch after 10 µs of busy CPU work",
      fmt(median(results.showJob.token.raw), 0),
      fmt(median(results.showJob.token.rawPlus10us), 0),
      fmt(calibration),
      "(reported)",
      "",
    ]);

    const del = results.deleteImageMembers.aksk;
    const job = results.showJob.aksk;
    const m = (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)]));
    const delM = m(del);
    const jobM = m(job);
    const delRatio = ratio(del, "clientAkSk", "rawSigned");
    const jobRatio = ratio(job, "clientAkSk", "rawSigned");
    const officialRatio = ratio(job, "official", "clientAkSk");
    figures.deleteImageMembers.aksk = { ...delM, ratio: delRatio, rounds: del };
    figures.showJob.aksk = {
      ...jobM,
      ratio: jobRatio,
      officialToClient: officialRatio,
      httpToClient: ratio(job, "httpSigned", "clientAkSk"),
      rounds: job,
    };
    const peers = [
      [
        "`showJob`: raw fetch, signed with the client's signer",
        fmt(jobM.rawSigned, 0),
        fmt(ratio(job, "rawSigned", "clientAkSk")),
        "(reported)",
        "",
      ],
      ["`showJob`: this client's `getJob`", fmt(jobM.clientAkSk, 0), "1.00", "", ""],
      [
        "`showJob`: official SDK, `EcsClient.showJob` (core 3.1.211, ecs 3.1.172)",
        fmt(jobM.official, 0),
        `**${fmt(officialRatio)}**`,
        `≥ ${fmt(OFFICIAL_GOAL)}`,
        officialRatio >= OFFICIAL_GOAL ? "met" : "missed",
      ],
      [
        "`showJob`: node:http request, signed with the client's signer " +
          "(keep-alive agent; reference: what the official SDK's axios sits on)",
        fmt(jobM.httpSigned, 0),
        fmt(ratio(job, "httpSigned", "clientAkSk")),
        "(reported)",
        "",
      ],
      [
        "`deleteImageMembers`: raw fetch, signed with the client's signer",
        fmt(delM.rawSigned, 0),
        fmt(ratio(del, "rawSigned", "clientAkSk")),
        "(reported)",
        "",
      ],
      ["`deleteImageMembers`: this client", fmt(delM.clientAkSk, 0), "1.00", "(reported)", ""],
    ];

    return {
      figures: { calls, warmup, rounds, sameRequest: run.checks, operations: figures },
      markdown:
        `${rounds} interleaved rounds of ${calls} sequential calls per variant (after ${warmup} warm-up calls); µs per call are ` +
        `medians over the rounds, ratios the median of the per-round ratios. ` +
        `Loopback, keep-alive, the server in its own process answering each path with the spec's example body; before timing, the ` +
        `server checked that each raw fetch sent the very request (method, URL, headers, body) the client sent.\n\n` +
        `Token auth, every operation of the table:\n\n` +
        table(["operation", "request", "client call", "raw fetch (µs)", "client (µs)", "client / raw", "goal", ""], rows) +
        `\n\nAK/SK, the official Node SDK as a peer (same server, same rounds; ratio: each call's cost over this client's):\n\n` +
        table(["call (AK/SK)", "µs per call", "ratio to this client", "goal", ""], peers),
    };
  } finally {
    if (server.connected) server.send("stop");
  }
}
