/**
 * Running a command line against the command table it is given: `runCli` parses argv, gives the
 * command a context (a lazily made client, output, waiting, sending a change) and turns whatever
 * ends it into output and an exit code. Adding a command is an entry in the table, never a
 * change here.
 */
import type { AcceptedJob, ImsClient } from "../../client.js";
import { checkCommands, checkHint } from "../../check.js";
import { durationProblem, parseDuration } from "../../duration.js";
import { ImsAbortedError, mayHaveTakenEffect } from "../../errors.js";
import { OPERATION_IDS, operationSpec, pick, type InputOf, type JobOperationId } from "../../operations.js";
import type { AnyJob } from "../../job.js";
import { commandHint, hintText, jobHint, type Hint, type HintTarget } from "../hints.js";
import { programName } from "./program.js";
import { EXIT } from "../output/exit-codes.js";
import { followJob } from "../output/follow.js";
import { Output } from "../output/printer.js";
import { reportError } from "../output/report.js";
import { UsageError } from "../output/usage-error.js";
import { connect, givenProject, stringValue } from "./connect.js";
import { commandName, defaultInvocation, invocation } from "./flags.js";
import { VERSION, operationIds } from "./help.js";
import { findCommand, parseCommandLine } from "./parse.js";
import type { CliIo, Command, CommandContext, CommandTable, Connection, ParsedValues } from "./types.js";

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * Runs one command line and resolves with its exit code; never throws and never exits the
 * process.
 */
export async function runCli(argv: readonly string[], io: CliIo, table: CommandTable): Promise<number> {
  const parsed = parseCommandLine(argv, table);
  if (parsed.kind === "version") {
    io.out(VERSION);
    return EXIT.ok;
  }
  if (parsed.kind === "help") {
    io.out(parsed.text);
    return parsed.exitCode;
  }
  if (parsed.kind === "error") {
    const exitCode = table.commands.find((c) => commandName(c) === parsed.helpFor)?.errorExitCode?.(argv);
    return reportError(new Output(io, { json: parsed.json }), new UsageError(parsed.message, parsed.helpFor), {
      command: parsed.helpFor,
      accepted: false,
      exitCode,
      helpCommand: helpCommandIn(table),
    });
  }
  return new CommandRun(parsed.command, parsed.values, parsed.args, io, table).execute(argv);
}

/** The command line that shows the help of a command of the table, or of a group (`ims-sharing members --help`). */
function helpCommandIn(table: CommandTable): (helpFor: string) => string {
  return (helpFor) => {
    const command = table.commands.find((c) => commandName(c) === helpFor);
    return `${command ? invocation(command) : defaultInvocation(helpFor ? [helpFor] : [])} --help`;
  };
}

/** Whether to follow the job, and for how long: `--wait` and `--timeout` (a command that never waits may have a --timeout of its own). */
function waiting(command: Command, values: ParsedValues, name: string): { wait: boolean; timeoutMs: number } {
  const wait = command.waits === "always" || values.wait === true;
  const text = command.waits === "never" ? undefined : stringValue(values, "timeout");
  if (text === undefined) return { wait, timeoutMs: DEFAULT_TIMEOUT_MS };
  if (!wait) throw new UsageError("--timeout applies only with --wait", name);
  const timeoutMs = parseDuration(text);
  if (timeoutMs === undefined) throw new UsageError(`--timeout: ${durationProblem(text)}`, name);
  return { wait, timeoutMs };
}

/** One run of a command: its context, and what becomes of the job it started or followed when it ends badly. */
class CommandRun {
  readonly #command: Command;
  readonly #name: string;
  readonly #values: ParsedValues;
  readonly #args: readonly string[];
  readonly #io: CliIo;
  readonly #table: CommandTable;
  readonly #out: Output;
  readonly #projectId: string | undefined;
  #connection: Connection | undefined;
  /** The job this run started or followed: any error after that names it. */
  #jobId: string | undefined;
  #accepted = false;
  #sending = false;
  /** The change this run sent, for the commands that show whether it took effect. */
  #sent: { operation: JobOperationId; body: unknown } | undefined;

  constructor(command: Command, values: ParsedValues, args: readonly string[], io: CliIo, table: CommandTable) {
    this.#command = command;
    this.#name = commandName(command);
    this.#values = values;
    this.#args = args;
    this.#io = io;
    this.#table = table;
    this.#out = new Output(io, { json: values.json === true, verbose: values.verbose === true });
    this.#projectId = givenProject(values, io.env)?.projectId;
  }

  async execute(argv: readonly string[]): Promise<number> {
    try {
      const { wait, timeoutMs } = waiting(this.#command, this.#values, this.#name);
      return await this.#command.run(this.#context(wait, timeoutMs));
    } catch (error) {
      if (this.#io.signal.aborted) return this.#interrupted(error);
      const code = reportError(this.#out, error, {
        command: this.#name,
        jobId: this.#jobId,
        accepted: this.#accepted,
        exitCode: this.#command.errorExitCode?.(argv),
        hint: (jobId, verb) => this.#hint(jobId, verb),
        helpCommand: helpCommandIn(this.#table),
        checks: mayHaveTakenEffect(error) ? this.#checks() : [],
      });
      if (!this.#out.json && mayHaveTakenEffect(error)) for (const line of this.#checks()) this.#out.note(`check with: ${line}`);
      return code;
    }
  }

  #context(wait: boolean, timeoutMs: number): CommandContext {
    const name = this.#name;
    const projectId = this.#projectId;
    return {
      name,
      values: this.#values,
      args: this.#args,
      out: this.#out,
      signal: this.#io.signal,
      wait,
      projectId,
      table: this.#table,
      client: () => this.#client(),
      requireProjectId: async (why) => {
        if (projectId) return projectId;
        const connection = this.#connect();
        if (connection.project.from === "none")
          throw new UsageError(`"${name}" needs your own project (${why}): ${connection.project.why}`, name);
        return connection.client.resolveProjectId({ signal: this.#io.signal });
      },
      connection: () => this.#connect(),
      accepted: (jobId, requestId) => this.#acceptedJob(jobId, requestId, wait),
      change: (operation, input) => this.#change(operation, input, wait, timeoutMs),
      follow: (jobId) => this.#follow(jobId, timeoutMs),
      env: this.#io.env,
      clientOptions: this.#io.client,
      confirm: this.#io.confirm,
      timeoutMs,
      program: this.#io.program ?? programName(this.#io.env),
    };
  }

  #client(): ImsClient {
    return this.#connect().client;
  }

  #connect(): Connection {
    this.#connection ??= connect(this.#values, this.#io, this.#name);
    return this.#connection;
  }

  /** A job IMS accepted: named by any error from now on, printed with the command that follows it (unless waiting). */
  #acceptedJob(jobId: string, requestId: string | undefined, wait: boolean): void {
    this.#sending = false;
    this.#jobId = jobId;
    this.#accepted = true;
    const next = this.#hint(jobId);
    this.#out.event("accepted", { jobId, requestId: requestId ?? null, resume: next ? hintText(next) : null });
    this.#out.line(`accepted: job ${jobId}${wait || !next ? "" : `\nfollow it with: ${hintText(next)}`}`);
  }

  /** How a hint reaches IMS as this run did; none before it connected. */
  #target(): HintTarget | undefined {
    const connection = this.#connection;
    return (
      connection && {
        place: connection.place,
        projectId: this.#projectId,
        projectRegion: connection.projectRegion,
        iamEndpoint: connection.iamEndpoint,
        allowInsecureHttp: this.#values["allow-insecure-http"] === true,
        credentials: connection.credentials,
        env: this.#io.env,
        program: this.#io.program ?? programName(this.#io.env),
      }
    );
  }

  /** The command that follows a job on. */
  #hint(jobId: string, verb: "wait" | "show" = "wait"): Hint | undefined {
    const to = this.#target();
    return to && jobHint(jobId, to, verb);
  }

  async #change<K extends JobOperationId>(operation: K, input: InputOf<K>, wait: boolean, timeoutMs: number): Promise<number> {
    const ims = this.#client();
    this.#sending = true;
    this.#sent = { operation, body: (input as { body?: unknown }).body };
    const accepted = (await ims.call(operation, input, { signal: this.#io.signal })) as AcceptedJob;
    this.#acceptedJob(accepted.jobId, accepted.requestId, wait);
    return wait ? this.#follow(accepted.jobId, timeoutMs) : EXIT.ok;
  }

  async #follow(jobId: string, timeoutMs: number): Promise<number> {
    this.#jobId = jobId;
    const job = await followJob(this.#client(), jobId, this.#out, { timeoutMs, signal: this.#io.signal });
    this.#out.event("done", { job });
    this.#out.line(`job ${job.job_id} succeeded${job.end_time ? ` at ${job.end_time}` : ""}`);
    const made = jobResult(job);
    if (made) {
      this.#out.event("copied", { jobId: job.job_id, imageId: made });
      this.#out.line(`new image: ${made}`);
    }
    return EXIT.ok; // waitForJob rejects on FAIL and on failed images
  }

  /**
   * The commands that show whether the change sent took effect (src/check.ts), complete for this
   * run; one that needs your project (its operations' paths have `project_id`) only when the run
   * knows it.
   */
  #checks(): string[] {
    const to = this.#target();
    if (!to || !this.#sent) return [];
    return checkCommands(this.#sent.operation, this.#sent.body)
      .filter(
        (words) =>
          this.#projectId !== undefined ||
          this.#connection?.project.from === "iam" ||
          !needsProject(findCommand(this.#table.commands, words)),
      )
      .map((words) => hintText(commandHint(words, to)));
  }

  #interrupted(error: unknown): number {
    const out = this.#out;
    const jobId = this.#jobId ?? (error instanceof ImsAbortedError ? error.jobId : undefined);
    const resume = jobId ? this.#hint(jobId) : undefined;
    out.event("interrupted", {
      jobId: jobId ?? null,
      resume: resume ? hintText(resume) : null,
      jobs: jobId ? [{ region: null, jobId, resume: resume ? hintText(resume) : null }] : [],
    });
    if (out.json) return EXIT.interrupted;
    // On a terminal the live line was erased: the message takes its place.
    const start = out.live ? "" : "\n";
    if (jobId) {
      const command = resume ? hintText(resume) : `${this.#io.program ?? programName(this.#io.env)} job wait ${jobId}`;
      out.note(`${start}interrupted: job ${jobId} goes on in IMS; resume with: ${command}`);
    } else if (this.#sending && this.#sent) {
      const checks = this.#checks();
      const how = checks.length ? "" : `; ${checkHint(this.#sent.operation, this.#sent.body)}`;
      out.note(`${start}interrupted before IMS answered: the change may or may not have been accepted${how}`);
      for (const line of checks) out.note(`check with: ${line}`);
    } else {
      out.note(`${start}interrupted`);
    }
    return EXIT.interrupted;
  }
}

/**
 * The image a finished job made, where the table says its operation's job names it (a copy's
 * `entities.image_id`): found by the job's type, so that `job wait` says it as `--wait` does.
 */
function jobResult(job: AnyJob): string | undefined {
  for (const id of OPERATION_IDS) {
    const spec = operationSpec(id).job;
    if (!spec?.result || spec.type !== job.job_type) continue;
    const made = pick(job, spec.result);
    if (typeof made === "string" && made !== "") return made;
  }
  return undefined;
}

/** Whether a command needs your project: every operation it calls has `project_id` in its path. */
function needsProject(command: Command | undefined): boolean {
  const ids = command ? operationIds(command) : [];
  return ids.length > 0 && ids.every((id) => operationSpec(id).pathParams.includes("project_id"));
}
