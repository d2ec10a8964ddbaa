/**
 * The `ims-sharing` command: share images, answer shares, stop sharing and follow the jobs, from
 * a terminal or a script. `runCli` parses argv against the command table (commands.ts), gives
 * the command a context (a lazily made client, output, waiting) and turns whatever ends it into
 * output and an exit code. Adding a command is an entry in the table, never a change here.
 */
import { createImsClient, type ImsClient } from "../client.js";
import { ImsAbortedError, mayHaveTakenEffect } from "../errors.js";
import { COMMANDS, commandName, type Command, type CommandContext } from "./commands.js";
import { durationProblem, parseDuration } from "../duration.js";
import { resolveCredentials, resolvePlace, type CredentialSource, type Place } from "../environment.js";
import { VERSION } from "./help.js";
import { commandHint, hintText, jobHint, type Hint, type HintTarget } from "./hints.js";
import { EXIT, followJob, inCliTerms, Output, reportError, UsageError, type CliIo } from "./output.js";
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
    const exitCode = commands.find((c) => commandName(c) === parsed.helpFor)?.errorExitCode?.(argv);
    return reportError(new Output(io, { json: parsed.json }), new UsageError(parsed.message, parsed.helpFor), {
      command: parsed.helpFor,
      accepted: false,
      exitCode,
    });
  }

  const { command, values, args } = parsed;
  const name = commandName(command);
  const out = new Output(io, { json: values.json === true, verbose: values.verbose === true });
  /** The job this run started or followed: any error after that names it. */
  const state: { jobId?: string; accepted: boolean; sending: boolean } = { accepted: false, sending: false };
  const string = (flag: string) => (typeof values[flag] === "string" ? (values[flag] as string) : undefined);
  const projectId = string("project-id") || io.env.HUAWEICLOUD_SDK_PROJECT_ID || undefined;
  let connection: Connection | undefined;
  /** How a hint reaches IMS as this run did; none before it connected. */
  const target = (): HintTarget | undefined =>
    connection && {
      place: connection.place,
      projectId,
      allowInsecureHttp: values["allow-insecure-http"] === true,
      credentials: connection.credentials,
      env: io.env,
    };
  /** The command that follows a job on. */
  const hint = (jobId: string, verb: "wait" | "show" = "wait"): Hint | undefined => {
    const to = target();
    return to && jobHint(jobId, to, verb);
  };

  try {
    const wait = command.waits === "always" || values.wait === true;
    const timeoutText = typeof values.timeout === "string" ? values.timeout : undefined;
    if (timeoutText !== undefined && !wait) throw new UsageError("--timeout applies only with --wait", name);
    const timeoutMs = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeoutText);
    if (timeoutMs === undefined) throw new UsageError(`--timeout: ${durationProblem(timeoutText ?? "")}`, name);

    let ims: ImsClient | undefined;
    const client = () => {
      if (!ims) {
        connection = connect(values, io, projectId, name);
        ims = connection.client;
      }
      return ims;
    };
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
        if (!projectId)
          throw new UsageError(`"${name}" needs --project-id (or HUAWEICLOUD_SDK_PROJECT_ID), your own project: ${why}`, name);
        return projectId;
      },
      async change(send) {
        const ims = client();
        state.sending = true;
        const accepted = await send(ims, { signal: io.signal });
        state.sending = false;
        state.jobId = accepted.jobId;
        state.accepted = true;
        const next = hint(accepted.jobId);
        out.event("accepted", { jobId: accepted.jobId, requestId: accepted.requestId ?? null, resume: next?.command ?? null });
        out.line(`accepted: job ${accepted.jobId}${wait || !next ? "" : `\nfollow it with: ${hintText(next)}`}`);
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
      const resume = jobId ? hint(jobId) : undefined;
      out.event("interrupted", {
        jobId: jobId ?? null,
        resume: resume?.command ?? null,
        jobs: jobId ? [{ region: null, jobId, resume: resume?.command ?? null }] : [],
      });
      if (!out.json) {
        // On a terminal the live line was erased: the message takes its place.
        const start = out.live ? "" : "\n";
        out.note(
          jobId
            ? `${start}interrupted: job ${jobId} goes on in IMS; resume with: ${resume ? hintText(resume) : `ims-sharing job wait ${jobId}`}`
            : state.sending
              ? `${start}interrupted before IMS answered: the change may or may not have been accepted; list the members to check`
              : `${start}interrupted`,
        );
      }
      return EXIT.interrupted;
    }
    const code = reportError(out, error, {
      command: name,
      jobId: state.jobId,
      accepted: state.accepted,
      exitCode: command.errorExitCode?.(argv),
      hint,
    });
    // A change whose outcome is unknown: how to see where it stands, complete for this run.
    const to = target();
    if (!out.json && to && mayHaveTakenEffect(error)) {
      for (const args of checkCommands(name, values, projectId)) out.note(`check with: ${hintText(commandHint(args, to))}`);
    }
    return code;
  }
}

/**
 * What shows whether a change took effect: the members of each image (the owner's, with the
 * owner's project), or how the images stand for the recipient.
 */
function checkCommands(name: string, values: ParsedValues, projectId: string | undefined): string[][] {
  const images = Array.isArray(values.image) ? values.image : [];
  if (name === "members add" || name === "members delete")
    return projectId ? images.map((image) => ["members", "list", "--image", image]) : [];
  if (name === "members accept" || name === "accept")
    return [["images", "shared", "--status", "accepted", ...(typeof values.from === "string" ? ["--owner", values.from] : [])]];
  if (name === "members reject") return [["images", "shared", "--status", "rejected"]];
  return [];
}

/** The client of a run, and how it reached IMS (for hints). */
interface Connection {
  client: ImsClient;
  place: Place;
  credentials: CredentialSource;
}

/** The client, from the flags and then the environment (flags win; see env.ts for the rule). */
function connect(values: ParsedValues, io: CliIo, projectId: string | undefined, name: string): Connection {
  const string = (flag: string) => (typeof values[flag] === "string" ? (values[flag] as string) : undefined);
  const env = io.env;
  const place = resolvePlace({ endpoint: string("endpoint"), region: string("region") }, env);
  if ("problem" in place) throw new UsageError(place.problem, name);
  const credentials = resolveCredentials(
    {
      accessKey: string("access-key"),
      secretKey: string("secret-key"),
      securityToken: string("security-token"),
      token: string("token"),
    },
    env,
  );
  if ("problem" in credentials) throw new UsageError(credentials.problem, name);
  try {
    const client = createImsClient({
      ...io.client,
      auth: credentials.auth,
      ...(place.endpoint !== undefined ? { endpoint: place.endpoint } : { region: place.region }),
      ...(projectId ? { projectId } : {}),
      ...(values["allow-insecure-http"] === true ? { allowInsecureHttp: true } : {}),
    });
    return { client, place, credentials: credentials.source };
  } catch (error) {
    throw inCliTerms(error, "connection");
  }
}
