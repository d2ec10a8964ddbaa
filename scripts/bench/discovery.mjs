// The one-off cost of region-only set-up: a client made with a region and no project ID finds
// its project through IAM (`GET /v3/projects?name=REGION`) on its first project-scoped call.
// Each sample makes a client and its first call, against the bench server (server.mjs, which
// is the IMS and the IAM endpoint both, answering with the spec's examples); baseline: the same
// with the project given. The process-wide cache of found projects is cleared
// (`forgetProjects()`) before every sample that is to ask IAM; the server counts the requests
// of each operation, and a sample that did not ask IAM as often as it should stops the run.
// Then concurrent first calls of a fresh region-only client, and the IAM requests they made.
import path from "node:path";
import { fmt, interleaved, median, table } from "./lib.mjs";
import { CREDENTIALS, TOKEN } from "./overhead-ops.mjs";
import { startServer } from "./overhead.mjs";
import { answerOf, inputOf, loadTable } from "./spec-calls.mjs";

export async function discovery({ dist, quick }) {
  const { createImsClient } = await import(path.join(dist, "src/index.js"));
  // Not public: the package's own way to start over (its tests use it too).
  const { forgetProjects } = await import(path.join(dist, "src/discovery.js"));
  const ops = await loadTable(dist);
  const iam = Object.keys(ops).find((id) => ops[id].service === "iam");
  // The first read of the table whose path names the project: a call that needs it with any auth.
  const first = Object.keys(ops).find((id) => ops[id].method === "GET" && ops[id].pathParams.includes("project_id"));
  if (!iam || !first) throw new Error("the table has no IAM operation, or no project-scoped read");
  // IAM's example answer names one project, after its region: that region is the client's.
  const [project] = JSON.parse(answerOf(iam, ops[iam]).body).projects;
  const { input } = inputOf(first, ops[first]);

  const { base, stop } = await startServer(dist);
  const counts = async () => (await fetch(`${base}/__counts`)).json();
  const options = { region: project.name, endpoint: base, iamEndpoint: base };
  const token = { auth: { token: TOKEN } };
  const aksk = { auth: CREDENTIALS };
  // Each variant: one sample (a client, its first call) and the IAM requests it must make.
  const variants = {
    tokenGiven: { iam: 0, sample: () => createImsClient({ ...options, ...token, projectId: project.id }).call(first, input) },
    tokenDiscovered: {
      iam: 1,
      sample: () => {
        forgetProjects();
        return createImsClient({ ...options, ...token }).call(first, input);
      },
    },
    // A second client with the same credentials and region: the project found is kept per process.
    tokenCached: { iam: 0, sample: () => createImsClient({ ...options, ...token }).call(first, input) },
    akskGiven: { iam: 0, sample: () => createImsClient({ ...options, ...aksk, projectId: project.id }).call(first, input) },
    akskDiscovered: {
      iam: 1,
      sample: () => {
        forgetProjects();
        return createImsClient({ ...options, ...aksk }).call(first, input);
      },
    },
  };
  const samples = quick ? 20 : 100;
  const warmup = quick ? 10 : 30;
  const rounds = quick ? 3 : 21;
  try {
    const measure = async ({ iam: expected, sample }, name) => {
      for (let i = 0; i < warmup; i++) await sample();
      await counts();
      const start = performance.now();
      for (let i = 0; i < samples; i++) await sample();
      const us = ((performance.now() - start) * 1000) / samples;
      const seen = await counts();
      if ((seen[iam] ?? 0) !== expected * samples || seen[first] !== samples) {
        throw new Error(
          `${name}: ${samples} samples made ${JSON.stringify(seen)}; expected ${expected * samples} ${iam} and ${samples} ${first}`,
        );
      }
      return us;
    };
    // Warm-up of every variant first (connections, JIT), and a discovery so the cache is warm.
    for (const v of Object.values(variants)) await v.sample();
    const results = await interleaved(variants, rounds, measure);

    // Concurrent first calls of a fresh region-only client: every IMS operation of the table at
    // once (with AK/SK each needs the project, as X-Project-Id; with a token those whose path names it).
    const concurrent = {};
    for (const [name, auth] of [
      ["AK/SK", aksk],
      ["token", token],
    ]) {
      forgetProjects();
      await counts();
      const client = createImsClient({ ...options, ...auth });
      const ids = Object.keys(ops).filter(
        (id) => ops[id].service === "ims" && (auth === aksk || ops[id].pathParams.includes("project_id")),
      );
      const outcomes = await Promise.allSettled(ids.map((id) => client.call(id, inputOf(id, ops[id]).input)));
      const refused = ids.filter((_, i) => outcomes[i].status === "rejected");
      const seen = await counts();
      concurrent[name] = { calls: ids.length, iamRequests: seen[iam] ?? 0, refused, resolved: await client.resolveProjectId() };
    }

    // What discovery adds, as the ratios are taken: round by round (the same load), then the median.
    const more = (a, b) => {
      const n = median(results[a].map((x, i) => x - results[b][i]));
      return `${n >= 0 ? "+" : ""}${fmt(n, 0)} µs`;
    };
    const ratio = (a, b) => median(results[a].map((x, i) => x / results[b][i]));
    const us = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
    const rows = [
      ["token", "`projectId` given (baseline)", "0", fmt(us.tokenGiven, 0), "1.00", ""],
      [
        "token",
        "region only, first client (`forgetProjects()` before each)",
        "1",
        fmt(us.tokenDiscovered, 0),
        `**${fmt(ratio("tokenDiscovered", "tokenGiven"))}**`,
        more("tokenDiscovered", "tokenGiven"),
      ],
      [
        "token",
        "region only, a later client (the project kept for the process)",
        "0",
        fmt(us.tokenCached, 0),
        fmt(ratio("tokenCached", "tokenGiven")),
        "",
      ],
      ["AK/SK", "`projectId` given (baseline)", "0", fmt(us.akskGiven, 0), "1.00", ""],
      [
        "AK/SK",
        "region only, first client (`forgetProjects()` before each)",
        "1",
        fmt(us.akskDiscovered, 0),
        `**${fmt(ratio("akskDiscovered", "akskGiven"))}**`,
        more("akskDiscovered", "akskGiven"),
      ],
    ];
    const failures = [];
    const concurrentRows = Object.entries(concurrent).map(([name, c]) => {
      const ok = c.iamRequests === 1 && c.resolved === project.id;
      if (!ok) failures.push(`discovery, ${name}: ${c.calls} concurrent first calls made ${c.iamRequests} IAM requests (expected 1)`);
      const refused = c.refused.length ? ` (${c.refused.join(", ")} refused by the client: see the overhead table)` : "";
      return [name, `${c.calls}${refused}`, `**${c.iamRequests}**`, "1", ok ? "met" : "missed"];
    });
    return {
      figures: { samples, warmup, rounds, firstCall: first, region: project.name, us, results, concurrent },
      failures,
      markdown:
        `Each sample makes a client and its first call (\`call("${first}", …)\`, the table's first read whose path names the ` +
        `project), on the same server as the overhead benchmark, which is the client's IAM endpoint too (\`iamEndpoint\`; IAM's ` +
        `example answer names one project, \`${project.name}\`, the client's region). ${rounds} interleaved rounds of ${samples} ` +
        `samples per variant (after ${warmup} warm-up samples); µs per sample are medians over the rounds, ratios and the time ` +
        `discovery adds the medians of the per-round ratios and differences. The server counted every sample's requests: each ` +
        `made the one IMS request and as many IAM requests as the column says.\n\n` +
        table(["auth", "client", "IAM requests per sample", "client + first call (µs)", "ratio to the baseline", "discovery"], rows) +
        `\n\nConcurrent first calls of one fresh region-only client (every IMS operation of the table at once that needs the ` +
        `project: with AK/SK all of them, as \`X-Project-Id\`; with a token those whose path names it), counted at the server:\n\n` +
        table(["auth", "concurrent first calls", "IAM requests", "goal", ""], concurrentRows),
    };
  } finally {
    stop();
  }
}
