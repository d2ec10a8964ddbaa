/**
 * The shapes of the command line: a flag (`FlagSpec`), a positional argument, a command, what a
 * command's `run` gets (`CommandContext`), the command table the framework is given
 * (`CommandTable`) and what it talks to (`CliIo`). The framework (parse, help, completion,
 * runCli) reads a table of this shape and imports no command; the table (commands/) is data.
 */
import type { ImsClient, ImsClientOptions } from "../../client.js";
import type { InputOf, JobOperationId, OperationId } from "../../operations.js";
import type { Output, OutputIo } from "../output/printer.js";
import type { CredentialSource, Place } from "../../environment.js";

/** One flag (`--name`). */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  /** May be given more than once; the values are collected in order. */
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's placeholder in help: `ID`, `URN`, `D`. */
  readonly value?: string;
  readonly help: string;
  /** The environment variable it overrides, shown in help. */
  readonly env?: string;
  /** Other names that mean the same (older or shorter ones): accepted, shown in help, not completed. */
  readonly aliases?: readonly string[];
  /** The only values accepted (also what tab completion offers). */
  readonly choices?: readonly string[];
  /** The command refuses to run without it. */
  readonly required?: boolean;
  /** At least one flag of this group must be given. */
  readonly oneOf?: string;
}

export type Flags = Readonly<Record<string, FlagSpec>>;

type ValueOf<F extends FlagSpec> = FlagSpec extends F
  ? string | boolean | string[]
  : F["type"] extends "boolean"
    ? boolean
    : F["multiple"] extends true
      ? string[]
      : string;
/** The parsed values of a command's own flags, under their canonical names (aliases merged in). */
export type FlagValues<F extends Flags> = { readonly [K in keyof F]?: ValueOf<F[K]> };

/** Parsed values before they are typed by a command's flags. */
export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

/** A positional argument. */
export interface ArgSpec {
  readonly name: string;
  readonly help: string;
  /** May be left out (only the last arguments may be); the command sees fewer `args`. */
  readonly optional?: boolean;
  /** The only values accepted (also what tab completion offers). */
  readonly choices?: readonly string[];
  /** Values tab completion offers, each with what it is; the command checks what it is given itself (api's operation IDs). */
  readonly suggestions?: Readonly<Record<string, string>>;
}

/** A section of a command's help after its arguments: a title and its lines. */
export interface HelpSection {
  readonly title: string;
  readonly lines: readonly string[];
}

/** What the CLI talks to: streams, environment, terminal or not, Ctrl-C. */
export interface CliIo extends OutputIo {
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /**
   * Client options to use beyond the flags (for tests and embedding: a faster polling schedule,
   * no retries, a custom fetch).
   */
  client?: Pick<ImsClientOptions, "poll" | "retry" | "fetch" | "requestTimeoutMs"> | undefined;
  /**
   * Asks a yes/no question on the terminal (apply's confirmation); absent when there is no
   * terminal to ask on (then apply needs --yes).
   */
  confirm?: ((question: string) => Promise<boolean>) | undefined;
  /**
   * How the user runs this program from their shell, for the commands hints print (default:
   * found from `env`, see framework/program.ts: `ims-sharing`, or `npx ims-sharing`).
   */
  program?: string | undefined;
}

/** The commands the framework runs, and what their groups are for. */
export interface CommandTable {
  readonly commands: readonly Command[];
  /** What each group (the first word several commands share) is for, in help and completion. */
  readonly groups: Readonly<Record<string, string>>;
}

/** What a command's `run` gets. */
export interface CommandContext<F extends Flags = Flags> {
  /** `members add`, … */
  readonly name: string;
  readonly values: FlagValues<F>;
  /** The positional arguments after the command's words, as many as it declares. */
  readonly args: readonly string[];
  readonly out: Output;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /** Whether to follow the job to its end (`--wait`, or always for `job wait`). */
  readonly wait: boolean;
  /** Your own project (`--project-id` or HUAWEICLOUD_SDK_PROJECT_ID), if given. */
  readonly projectId: string | undefined;
  /**
   * Your own project: the one given, else the region's, found through IAM; a usage error saying
   * what this command needs it for when there is no way to find it (--endpoint without IAM's).
   */
  requireProjectId(why: string): Promise<string>;
  /** The client and how it reached IMS and knows its project (`ims-sharing project`), made on first use. */
  connection(): Connection;
  /**
   * Says that IMS accepted a job this command started itself (not through `change`): it is
   * printed with the command that follows it (unless waiting), and any error or Ctrl-C from now
   * on names it.
   */
  accepted(jobId: string, requestId?: string): void;
  /** The client, made on first use from the connection flags and the environment. */
  client(): ImsClient;
  /**
   * Sends a change that IMS runs as a job (an `x-ims-job` operation); prints the job ID the
   * moment IMS accepts it, then follows the job when waiting. Resolves with the exit code. When
   * its outcome is unknown, the error is followed by the commands that show where it stands.
   */
  change<K extends JobOperationId>(operation: K, input: InputOf<K>): Promise<number>;
  /** Follows a job to its end with live output and prints the outcome; resolves with the exit code. */
  follow(jobId: string): Promise<number>;
  /** The whole table (for completion scripts). */
  readonly table: CommandTable;
  /** The environment (credentials named by a sharing file are read from it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Client options beyond the flags (tests: a faster polling schedule). */
  readonly clientOptions: CliIo["client"];
  /** Asks yes/no on the terminal; undefined when there is no terminal to ask on. */
  readonly confirm: CliIo["confirm"];
  /** How long to wait for a job (--timeout, default 5 minutes). */
  readonly timeoutMs: number;
  /** How the user runs this program from their shell (`ims-sharing`, `npx ims-sharing`), for printed commands. */
  readonly program: string;
}

/** One command of the table. */
export interface Command<F extends Flags = Flags> {
  /** The words that name it: `["members", "add"]`. */
  readonly path: readonly string[];
  /** How the user types it, in its help and its "See: … --help" (default `ims-sharing` and its words). */
  readonly invokedAs?: string;
  /** The spec operation(s) it calls: its help starts with their summaries, methods and paths. */
  readonly operation?: OperationId | readonly OperationId[];
  /** The summary, for a command that calls no operation. */
  readonly summary?: string;
  /** More about it, after the summary. */
  readonly description?: string;
  readonly args?: readonly ArgSpec[];
  /** Its own flags; the connection, output and waiting flags are added from `connects` and `waits`. */
  readonly flags: F;
  /** `optional`: `--wait` and `--timeout`; `always`: `--timeout`; `never`: neither. */
  readonly waits: "never" | "optional" | "always";
  /** Whether it calls IMS (connection, credential and output flags). Default true. */
  readonly connects?: boolean;
  /** More sections of its help, after its arguments (api: the operations it can call). */
  readonly sections?: readonly HelpSection[];
  /** Help for what its arguments name (`api OPERATION_ID --help`: that operation's), instead of its own. */
  helpFor?(args: readonly string[]): string | undefined;
  readonly examples: readonly string[];
  /** Its exit codes, in help (default: the common ones, for a command that connects). */
  readonly exitCodes?: string;
  /**
   * The exit code for any error, when the command's flags ask for one (plan's
   * --detailed-exitcode makes every error 1, since 2 means "changes pending").
   */
  errorExitCode?(argv: readonly string[]): number | undefined;
  run(ctx: CommandContext<F>): Promise<number>;
}

/** Declares a command; `run` gets its flags typed. */
export function defineCommand<const F extends Flags>(command: Command<F>): Command<F> {
  return command;
}

/** How the project of a run is known: given (a flag or the variable), or to be found through IAM. */
export type ProjectSource =
  { from: "flag" | "env"; projectId: string } | { from: "iam"; region: string; iamEndpoint: string } | { from: "none"; why: string };

/** The client of a run, and how it reached IMS (for hints). */
export interface Connection {
  client: ImsClient;
  place: Place;
  credentials: CredentialSource;
  project: ProjectSource;
  /** With --endpoint: the region whose project IAM is asked for (then printed in hints beside it). */
  projectRegion?: string | undefined;
  /** IAM's endpoint as given (`flag`: by --iam-endpoint, which hints repeat), when the project is found through it. */
  iamEndpoint?: { url: string; flag: boolean } | undefined;
}
