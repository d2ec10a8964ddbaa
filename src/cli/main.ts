/**
 * The `ims-sharing` command: stop sharing images and follow the job, from a terminal or a script.
 * Arguments are parsed with node:util's parseArgs; everything else is the library.
 */
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { createImsClient } from "../client.js";
import {
  ImsApiError, ImsError, ImsJobFailedError, ImsNetworkError, ImsResponseError, ImsTimeoutError, ImsValidationError, type AnyJob,
} from "../errors.js";
import { parseDuration } from "./duration.js";
import { authFromEnv } from "./env.js";

/** Documented, distinct exit codes. */
export const EXIT = { ok: 0, internal: 1, usage: 2, api: 3, jobFailed: 4, timeout: 5, interrupted: 130 } as const;

const VERSION = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;

const CONNECTION_HELP = `Connection and credentials (flags win over the environment):
  --region R             region ID, e.g. cn-north-4          (HUAWEICLOUD_SDK_REGION)
  --endpoint URL         IMS endpoint instead of the region's (IMS_ENDPOINT)
  --project-id ID        your project ID                      (HUAWEICLOUD_SDK_PROJECT_ID)
  --access-key AK        AK/SK signing                        (HUAWEICLOUD_SDK_AK)
  --secret-key SK                                             (HUAWEICLOUD_SDK_SK)
  --security-token T     with temporary credentials           (HUAWEICLOUD_SDK_SECURITY_TOKEN)
  --token T              an IAM token instead of AK/SK        (IMS_TOKEN)
  Prefer the environment for secrets: flags show in the process list and shell history.`;

const HELP: Record<string, string> = {
  main: `ims-sharing ${VERSION}: stop sharing Huawei Cloud IMS images, and follow the job.

Usage:
  ims-sharing members delete --image ID... --project ID... [--wait] [--timeout 5m] [--json]
  ims-sharing job show JOB_ID [--json]
  ims-sharing job wait JOB_ID [--timeout 5m] [--json]
  ims-sharing --version | --help | <command> --help

${CONNECTION_HELP}

Exit codes: 0 done, 2 bad usage or input, 3 API or network error, 4 job failed,
5 timed out, 130 interrupted (the job goes on; resume with "ims-sharing job wait ID").`,
  "members delete": `Usage: ims-sharing members delete --image ID... --project ID... [--wait] [--timeout 5m] [--json]

Stops sharing the images with the projects (DELETE /v1/cloudimages/members). The job ID is
printed the moment IMS accepts the request; with --wait the command then follows the job
until it ends.

  --image ID        an image to stop sharing (repeat for several)
  --project ID      a project to stop sharing it with (repeat for several)
  --wait            wait for the job to end
  --timeout D       give up waiting after D (default 5m; e.g. 90s, 10m)
  --json            machine-readable output: one JSON object per line

${CONNECTION_HELP}

Examples:
  ims-sharing members delete --region cn-north-4 --image d164b5df-1bc3-4c3f-893e-3e471fd16e64 \\
      --project 9c61004714024f9586705d090530f9fa --wait
  ims-sharing members delete --endpoint http://127.0.0.1:4010 --image ID --project ID --json`,
  "job show": `Usage: ims-sharing job show JOB_ID [--json]

Shows a job once: GET /v1/{project_id}/jobs/{job_id} with a project ID, else
GET /v1/cloudimages/job/{job_id}.

${CONNECTION_HELP}

Example:
  ims-sharing job show edc89b490d7d4392898e19b2deb34797 --region cn-north-4`,
  "job wait": `Usage: ims-sharing job wait JOB_ID [--timeout 5m] [--json]

Follows a job until it ends: exit 0 on SUCCESS, 4 on FAIL, 5 on timeout.

${CONNECTION_HELP}

Example:
  ims-sharing job wait edc89b490d7d4392898e19b2deb34797 --region cn-north-4 --timeout 10m`,
};

class UsageError extends Error {}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  isTTY: boolean;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

function describeJob(job: AnyJob): string {
  const percent = job.entities?.process_percent;
  return `${job.status}${percent !== undefined && job.status === "RUNNING" ? ` ${percent}%` : ""}`;
}

function oneLine(error: unknown): string {
  if (error instanceof ImsValidationError) return `invalid input: ${error.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`;
  if (error instanceof ImsError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof ImsValidationError) return EXIT.usage;
  if (error instanceof ImsJobFailedError) return EXIT.jobFailed;
  if (error instanceof ImsTimeoutError) return EXIT.timeout;
  if (error instanceof ImsApiError || error instanceof ImsResponseError || error instanceof ImsNetworkError) return EXIT.api;
  return EXIT.internal;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const options = {
    image: { type: "string", multiple: true }, project: { type: "string", multiple: true },
    wait: { type: "boolean" }, timeout: { type: "string" }, json: { type: "boolean" },
    region: { type: "string" }, endpoint: { type: "string" }, "project-id": { type: "string" },
    "access-key": { type: "string" }, "secret-key": { type: "string" }, "security-token": { type: "string" }, token: { type: "string" },
    help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" },
  } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`error: ${(error as Error).message}\nSee: ims-sharing --help`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const command = positionals.slice(0, 2).join(" ");
  if (values.version) {
    io.out(VERSION);
    return EXIT.ok;
  }
  if (values.help || positionals.length === 0) {
    io.out(HELP[command] ?? HELP.main!);
    return positionals.length === 0 && !values.help ? EXIT.usage : EXIT.ok;
  }

  const json = values.json ?? false;
  const emit = (event: Record<string, unknown>) => io.out(JSON.stringify(event));
  let jobId: string | undefined;
  /** The job this run started: its ID must reach the user whatever happens next. */
  let acceptedJobId: string | undefined;

  try {
    if (!HELP[command]) throw new UsageError(`unknown command "${positionals.join(" ")}"`);
    const timeoutMs = values.timeout === undefined ? 300_000 : parseDuration(values.timeout);
    if (timeoutMs === undefined) throw new UsageError(`--timeout: "${values.timeout}" is not a duration (try 90s or 5m)`);
    if (command === "members delete" && positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`);
    if (command.startsWith("job ") && positionals.length !== 3) throw new UsageError(`${command} takes one JOB_ID`);
    if (command.startsWith("job ") && (values.image || values.project)) throw new UsageError(`--image and --project belong to "members delete"`);

    const env = io.env;
    // Flags win over the environment, read the same way (AK/SK before a token).
    const flagged = Object.fromEntries(Object.entries({
      HUAWEICLOUD_SDK_AK: values["access-key"], HUAWEICLOUD_SDK_SK: values["secret-key"],
      HUAWEICLOUD_SDK_SECURITY_TOKEN: values["security-token"], IMS_TOKEN: values.token,
    }).filter(([, v]) => v !== undefined));
    const auth = authFromEnv({ ...env, ...flagged });
    if (!auth) throw new UsageError("no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or IMS_TOKEN (or --access-key/--secret-key, --token)");
    const endpoint = values.endpoint ?? env.IMS_ENDPOINT;
    const region = values.region ?? env.HUAWEICLOUD_SDK_REGION;
    if (!endpoint && !region) throw new UsageError("say where IMS is: --region (or HUAWEICLOUD_SDK_REGION) or --endpoint (or IMS_ENDPOINT)");
    const projectId = values["project-id"] ?? env.HUAWEICLOUD_SDK_PROJECT_ID;
    const ims = createImsClient({
      auth,
      ...(endpoint ? { endpoint } : { region: region! }),
      ...(projectId ? { projectId } : {}),
    });

    const started = Date.now();
    const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
    const live = io.isTTY && !json;
    let lastJob: AnyJob | undefined;
    /** On a terminal, one line rewritten in place (and every second, so the time keeps moving). */
    const render = () => {
      if (lastJob) io.out(`\r\x1b[2Kjob ${lastJob.job_id}: ${describeJob(lastJob)} (${elapsed()}s)\x1b[1A`);
    };
    const progress = (job: AnyJob) => {
      if (json) return emit({ event: "progress", jobId: job.job_id, status: job.status, percent: job.entities?.process_percent ?? null, elapsedSeconds: Number(elapsed()) });
      if (!live) return io.out(`job ${job.job_id}: ${describeJob(job)} (${elapsed()}s)`);
      lastJob = job;
      render();
    };
    const finish = (job: AnyJob) => {
      if (json) emit({ event: "done", job });
      else io.out(`job ${job.job_id} succeeded${job.end_time ? ` at ${job.end_time}` : ""}`);
      return EXIT.ok;
    };
    const wait = async (id: string) => {
      const ticker = live ? setInterval(render, 1_000) : undefined;
      try {
        return await ims.waitForJob(id, { timeoutMs, signal: io.signal, onProgress: progress });
      } finally {
        clearInterval(ticker);
        if (lastJob) io.out(""); // leave the live line as it last stood
      }
    };

    if (command === "members delete") {
      if (!values.image?.length || !values.project?.length) throw new UsageError("members delete needs at least one --image and one --project");
      const accepted = await ims.deleteImageMembers({ images: values.image, projects: values.project }, { signal: io.signal });
      jobId = acceptedJobId = accepted.jobId;
      if (json) emit({ event: "accepted", jobId, requestId: accepted.requestId ?? null });
      else io.out(`accepted: job ${jobId}${values.wait ? "" : `\nfollow it with: ims-sharing job wait ${jobId}`}`);
      if (!values.wait) return EXIT.ok;
      return finish(await wait(jobId));
    }
    jobId = positionals[2]!;
    if (command === "job show") {
      const job = projectId ? await ims.getJob(jobId, { signal: io.signal }) : await ims.getJobProgress(jobId, { signal: io.signal });
      if (json) emit({ event: "job", job });
      else io.out([`job ${job.job_id}: ${describeJob(job)}`, job.job_type && `type: ${job.job_type}`, job.begin_time && `began: ${job.begin_time}`,
        job.end_time && `ended: ${job.end_time}`, job.error_code && `error: ${job.error_code} ${job.fail_reason ?? ""}`].filter(Boolean).join("\n"));
      return job.status === "FAIL" ? EXIT.jobFailed : EXIT.ok;
    }
    return finish(await wait(jobId));
  } catch (error) {
    if (io.signal.aborted) {
      if (json) emit({ event: "interrupted", jobId: jobId ?? null });
      else io.err(jobId ? `\ninterrupted: job ${jobId} goes on in IMS; resume with: ims-sharing job wait ${jobId}` : "\ninterrupted");
      return EXIT.interrupted;
    }
    const code = exitCodeOf(error);
    if (json) {
      emit({ event: "error", exitCode: code, jobId: jobId ?? (error instanceof ImsError ? error.jobId ?? null : null), error: error instanceof ImsError ? error.toJSON() : { message: oneLine(error) } });
    } else {
      io.err(`error: ${oneLine(error)}`);
      if (code === EXIT.usage && error instanceof UsageError) io.err("See: ims-sharing --help");
      if (acceptedJobId && code !== EXIT.jobFailed) io.err(`job ${acceptedJobId} was accepted and may still be running; check with: ims-sharing job wait ${acceptedJobId}`);
    }
    return code;
  }
}
