/**
 * The `job` group: the asynchronous jobs that changes run as, shown once or followed to their
 * end. Entries of the command table.
 */
import { failedResults } from "../../job.js";
import { defineCommand, type Command } from "../framework/types.js";
import { EXIT } from "../output/exit-codes.js";
import { describeJob, jobFailed } from "../output/follow.js";

const JOB_ID = { name: "JOB_ID", help: "the job, as printed when IMS accepted the change" } as const;

export const JOB_COMMANDS: readonly Command[] = [
  defineCommand({
    path: ["job", "show"],
    operation: ["showJobProgress", "showJob"],
    description:
      "Shows a job once; with --project-id, with its per-image results. Exits 4 when the job failed (or succeeded with failed images).",
    args: [JOB_ID],
    flags: {},
    waits: "never",
    examples: ["ims-sharing job show edc89b490d7d4392898e19b2deb34797 --region cn-north-4"],
    async run(ctx) {
      const jobId = ctx.args[0] ?? "";
      const ims = ctx.client();
      const job = ctx.projectId ? await ims.getJob(jobId, { signal: ctx.signal }) : await ims.getJobProgress(jobId, { signal: ctx.signal });
      ctx.out.event("job", { job });
      ctx.out.line(
        [
          `job ${job.job_id}: ${describeJob(job)}`,
          job.job_type && `type: ${job.job_type}`,
          job.begin_time && `began: ${job.begin_time}`,
          job.end_time && `ended: ${job.end_time}`,
          job.error_code && `error: ${job.error_code} ${job.fail_reason ?? ""}`.trimEnd(),
          ...failedResults(job).map(
            (r) => `failed: image ${r.image_id ?? "?"}${r.project_id ? ` with ${r.project_id}` : ""} (${r.status ?? "no status"})`,
          ),
        ]
          .filter(Boolean)
          .join("\n"),
      );
      return jobFailed(job) ? EXIT.jobFailed : EXIT.ok;
    },
  }),
  defineCommand({
    path: ["job", "wait"],
    operation: ["showJobProgress", "showJob"],
    summary: "Follow an asynchronous job until it ends",
    description:
      "Polls the job (with --project-id, with its per-image results) until it ends: exit 0 on SUCCESS, 4 on FAIL " +
      "(or failed images), 5 on timeout, 3 when IMS cannot be reached. Each failed poll is shown as it happens.",
    args: [JOB_ID],
    flags: {},
    waits: "always",
    examples: ["ims-sharing job wait edc89b490d7d4392898e19b2deb34797 --region cn-north-4 --timeout 10m"],
    run: (ctx) => ctx.follow(ctx.args[0] ?? ""),
  }),
];
