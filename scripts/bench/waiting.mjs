// Job waiting efficiency: against the fake, jobs finishing after 0.2 s to 120 s (real time, all
// at once), the delay between completion and waitForJob resolving and the number of status
// requests, beside a fixed 1 s poll (what Terraform does) on the same kind of job.
import path from "node:path";
import { fmt, table } from "./lib.mjs";

export async function waiting({ dist, quick }) {
  const { createImsClient } = await import(path.join(dist, "src/index.js"));
  const { startFakeIms, SEED_IMAGES, SEED_PROJECTS, OWNER_PROJECT } = await import(path.join(dist, "src/fake/index.js"));
  const durations = quick ? [200, 1_000] : [200, 1_000, 5_000, 30_000, 120_000];

  async function run(durationMs, strategy) {
    const fake = await startFakeIms({ jobDurationMs: durationMs });
    try {
      const ims = createImsClient({ endpoint: fake.url, projectId: OWNER_PROJECT, auth: { token: "bench" } });
      const { jobId } = await ims.deleteImageMembers({ images: [SEED_IMAGES[0]], projects: [SEED_PROJECTS[0]] });
      const job = fake.state.jobs.get(jobId);
      if (strategy === "client") {
        await ims.waitForJob(jobId, { timeoutMs: durationMs * 2 + 60_000 });
      } else {
        for (;;) {
          await new Promise((r) => setTimeout(r, 1_000));
          const status = (await ims.getJob(jobId)).status;
          if (status === "SUCCESS" || status === "FAIL") break;
        }
      }
      const detectedAt = Date.now();
      const completedAt = job.startedAt + job.durationMs;
      const polls = fake.requests.filter((r) => r.method === "GET").length;
      return { delayMs: detectedAt - completedAt, polls };
    } finally {
      await fake.close();
    }
  }

  const results = await Promise.all(
    durations.flatMap((d) =>
      [run(d, "client"), run(d, "fixed")].map((p, i) => p.then((r) => ({ d, strategy: i ? "fixed" : "client", ...r }))),
    ),
  );
  const rows = durations.map((d) => {
    const c = results.find((r) => r.d === d && r.strategy === "client");
    const f = results.find((r) => r.d === d && r.strategy === "fixed");
    const bound = 0.1 * d + 500;
    const countGoal = d === 120_000 ? (c.polls <= 20 ? "met (≤ 20)" : "missed (≤ 20)") : "";
    return [
      `${d / 1000} s`,
      fmt(c.delayMs, 0),
      fmt(bound, 0),
      c.delayMs <= bound ? "met" : "missed",
      String(c.polls),
      countGoal,
      fmt(f.delayMs, 0),
      String(f.polls),
    ];
  });
  return {
    figures: results,
    markdown:
      `Real time, all durations at once, default schedule (first poll at 0.5 s, then every 0.5 s + 10% of the time waited, at most ` +
      `10 s, jittered downwards); baseline: a fixed 1 s poll. One run per duration.\n\n` +
      table(
        [
          "job takes",
          "client: detection delay (ms)",
          "goal: ≤ 10% + 0.5 s (ms)",
          "",
          "client: status requests",
          "goal for 120 s",
          "1 s poll: delay (ms)",
          "1 s poll: requests",
        ],
        rows,
      ),
  };
}
