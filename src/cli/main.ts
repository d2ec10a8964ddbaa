/**
 * The `ims-sharing` command: share images, answer shares, stop sharing and follow the jobs, from
 * a terminal or a script. `runCli` parses argv against the command table (commands.ts), gives
 * the command a context (a lazily made client, output, waiting) and turns whatever ends it into
 * output and an exit code. Adding a command is an entry in the table, never a change here.
 */
import { createImsClient, type ImsClient } from "../client.js";
import { ImsAbortedError } from "../errors.js";
import { COMMANDS, commandName, type Command, type CommandContext } from "./commands.js";
import { parseDuration } from "./duration.js";
import { resolveCredentials } from "./env.js";
import { VERSION } from "./help.js";
import { EXIT, followJob, Output, reportError, UsageError, type CliIo } from "./output.js";
import { parseCommandLine, type ParsedValues } from "./parse.js";

export { COMMANDS, EXIT };
export { JSON_EVENTS } from "./output.js";
export type { CliIo, JsonEventFields, JsonEventName } from "./output.js";
export type { Command, CommandContext, FlagSpec } from "./commands.js";

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * Runs one command line and resolves with its exit code; never throws and never exits the
 * process. `commands` is the table to use (the default one unless testing another).
 */
export async function runCli(argv: string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const parsed = parseCommandLine(argv, commands);
  if (parsed.kind === "version") {
    io.out(VERSION);
    return EXIT.ok;
  }
  if (parsed.kind === "help") {
    io.out(parsed.text);
    return parsed.exitCode;
  }
  if (parsed.kind === "error") {
    const code = reportError(new Output(io, { json: parsed.json }), new UsageError(parsed.message, parsed.helpFor), { command: parsed.helpFor, accepted: false });
    return commands.find((c) => commandName(c) === parsed.helpFor)?.errorExitCode?.(argv) ?? code;
  }

  const { command, values, args } = parsed;
  const name = commandName(command);
  const out = new Output(io, { json: values.json === true, verbose: values.verbose === true });
  /** The job this run started or followed: any error after that names it. */
  const state: { jobId?: string; accepted: boolean; sending: boolean } = { accepted: false, sending: false };

  try {
    const wait = command.waits === "always" || values.wait === true;
    const timeoutText = typeof values.timeout === "string" ? values.timeout : undefined;
    if (timeoutText !== undefined && !wait) throw new UsageError("--timeout applies only with --wait", name);
    const timeoutMs = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeoutText);
    if (timeoutMs === undefined) throw new UsageError(`--timeout: "${timeoutText}" is not a duration (try 90s or 5m)`, name);

    const string = (flag: string) => (typeof values[flag] === "string" ? (values[flag] as string) : undefined);
    const projectId = string("project-id") || io.env.HUAWEICLOUD_SDK_PROJECT_ID || undefined;
    let ims: ImsClient | undefined;
    const client = () => (ims ??= connect(values, io, projectId, name));
    const follow = async (jobId: string) => {
      state.jobId = jobId;
      const job = await followJob(client(), jobId, out, { timeoutMs, signal: io.signal });
      out.event("done", { job });
      out.line(`job ${job.job_id} succeeded${job.end_time ? ` at ${job.end_time}` : ""}`);
      return EXIT.ok; // waitForJob rejects on FAIL and on failed images
    };

    const context: CommandContext = {
      name,
      values: values as CommandContext["values"],
      args,
      out,
      signal: io.signal,
      wait,
      projectId,
      commands,
      client,
      requireProjectId(why) {
        if (!projectId) throw new UsageError(`"${name}" needs --project-id (or HUAWEICLOUD_SDK_PROJECT_ID), your own project: ${why}`, name);
        return projectId;
      },
      async change(send) {
        const ims = client();
        state.sending = true;
        const accepted = await send(ims, { signal: io.signal });
        state.sending = false;
        state.jobId = accepted.jobId;
        state.accepted = true;
        out.event("accepted", { jobId: accepted.jobId, requestId: accepted.requestId ?? null });
        out.line(`accepted: job ${accepted.jobId}${wait ? "" : `\nfollow it with: ims-sharing job wait ${accepted.jobId}`}`);
        return wait ? follow(accepted.jobId) : EXIT.ok;
      },
      follow,
      env: io.env,
      clientOptions: io.client,
      confirm: io.confirm,
      timeoutMs,
    };
    return await command.run(context);
  } catch (error) {
    if (io.signal.aborted) {
      const jobId = state.jobId ?? (error instanceof ImsAbortedError ? error.jobId : undefined);
      const resume = jobId ? `ims-sharing job wait ${jobId}` : null;
      out.event("interrupted", { jobId: jobId ?? null, resume });
      if (!out.json) {
        out.note(jobId ? `\ninterrupted: job ${jobId} goes on in IMS; resume with: ${resume}`
          : state.sending ? "\ninterrupted before IMS answered: the change may or may not have been accepted; list the members to check"
          : "\ninterrupted");
      }
      return EXIT.interrupted;
    }
    const code = reportError(out, error, { command: name, jobId: state.jobId, accepted: state.accepted });
    return command.errorExitCode?.(argv) ?? code;
  }
}

/** The client, from the flags and then the environment. */
function connect(values: ParsedValues, io: CliIo, projectId: string | undefined, name: string): ImsClient {
  const string = (flag: string) => (typeof values[flag] === "string" ? (values[flag] as string) : undefined);
  const env = io.env;
  const credentials = resolveCredentials({
    accessKey: string("access-key"), secretKey: string("secret-key"), securityToken: string("security-token"), token: string("token"),
  }, env);
  if ("problem" in credentials) throw new UsageError(credentials.problem, name);
  const endpoint = string("endpoint") || env.IMS_ENDPOINT || undefined;
  const region = string("region") || env.HUAWEICLOUD_SDK_REGION || undefined;
  if (!endpoint && !region) throw new UsageError("say where IMS is: --region (or HUAWEICLOUD_SDK_REGION) or --endpoint (or IMS_ENDPOINT)", name);
  return createImsClient({
    ...io.client,
    auth: credentials.auth,
    ...(endpoint ? { endpoint } : { region }),
    ...(projectId ? { projectId } : {}),
  });
}
