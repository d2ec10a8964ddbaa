/**
 * What the CLI prints: text for people (a live line on a terminal), JSON lines for scripts
 * (`--json`, one documented event per line), the exit codes, and errors as one line on stderr.
 * Every JSON line goes through `Output.event`, whose fields are typed by `JSON_EVENTS`, so the
 * documented events and the printed ones cannot drift apart.
 */
import type { ImsClient, ImsClientOptions } from "../client.js";
import {
  ImsApiError,
  ImsError,
  ImsJobFailedError,
  ImsNetworkError,
  ImsResponseError,
  ImsTimeoutError,
  ImsValidationError,
  type AnyJob,
} from "../errors.js";
import { jobOutcome } from "../job.js";
import { unresolvable } from "../retry.js";
import type { PollErrorEvent } from "../wait.js";
import { hintText, type Hint } from "./hints.js";

/**
 * Documented exit codes. 1 is shared, as Terraform has it: an unexpected error, an apply declined
 * at its prompt, a plan that could not read everything.
 */
export const EXIT = { ok: 0, internal: 1, cancelled: 1, partial: 1, usage: 2, api: 3, jobFailed: 4, timeout: 5, interrupted: 130 } as const;

/**
 * Every JSON event the CLI prints with `--json`: name → when it is printed and its fields (each
 * line is `{"event": name, ...fields}`). The README's table is tested against this.
 */
export const JSON_EVENTS = {
  accepted: {
    when: "IMS accepted a change (members add, delete, accept, reject): printed at once, before any waiting",
    fields: {
      jobId: "the job's ID",
      requestId: "IMS's X-Request-Id for the request, or null",
      resume: "the command that follows the job, complete for this environment (see error.resume)",
    },
  },
  progress: {
    when: "while waiting: the job changed (status or progress)",
    fields: {
      jobId: "the job's ID",
      status: "INIT, RUNNING, SUCCESS or FAIL",
      percent: "entities.process_percent, or null",
      elapsedSeconds: "seconds since the wait began",
    },
  },
  pollError: {
    when: "while waiting: a poll got no answer or an error, and will be tried again",
    fields: {
      jobId: "the job's ID",
      attempt: "failed polls in a row, from 1",
      error: "the error: name, message and its class's fields (code, status, requestId, …)",
      retryInSeconds: "when the next poll comes",
    },
  },
  done: {
    when: "the job ended SUCCESS with no failed image (--wait, job wait): the last line",
    fields: { job: "the final job, as IMS returned it" },
  },
  job: {
    when: "job show: the job as it stands",
    fields: { job: "the job, as IMS returned it" },
  },
  member: {
    when: "members list (one line per member, every page) and members show",
    fields: { imageId: "the image", member: "the member as IMS returned it (member_id, status, member_type, created_at, updated_at, …)" },
  },
  image: {
    when: "images shared (one line per image, every page; each status in turn without --status) and accept --from (the pending ones)",
    fields: {
      image: "the image as IMS returned it (id, name, owner, …)",
      status: "your answer to the share: pending, accepted or rejected (the filter it was listed with)",
    },
  },
  error: {
    when: "the command failed: the last line",
    fields: {
      exitCode: "the exit code the process ends with",
      jobId: "the job concerned, or null",
      resume:
        "the command that follows the job on, complete for this environment (--endpoint or --region, --project-id, credentials' variables by name; credentials given as flags must be added), or null",
      error: "the error: name, message and its class's fields (code, status, requestId, job, failedImages, canonicalRequest, …)",
    },
  },
  plan: {
    when: "plan and apply: the plan made from the sharing file (before apply asks or sends anything)",
    fields: {
      changes: "per image out of sync: region, image, mode, remove and add ({projects, domains, organizations}), current members, quota",
      inSync: "the images already as the file says ({region, image})",
      problems: "what stops the plan from being applied (a quota it would exceed)",
      batches: "the requests apply would send: region, kind (remove or add), images, members",
      unread:
        "what could not be read, so the plan is partial (apply refuses it): region, image (null for the whole region), images, message, error",
    },
  },
  applyJob: {
    when: "apply: a request was accepted (type accepted), its job ended well (done) or not (failed), or Ctrl-C stopped the wait for it or its sending (interrupted: still running, not waited for; not a failure)",
    fields: {
      type: "accepted, done, failed or interrupted",
      region: "the region",
      kind: "remove or add",
      images: "the images of the request",
      jobId: "the job's ID, or null when the request itself failed or was stopped before IMS answered",
      reason: "for failed and interrupted: why, else null",
    },
  },
  report: {
    when: "apply: what was done; the last line, unless Ctrl-C stopped it (then interrupted follows)",
    fields: {
      ok: "every change made and read back as the file says",
      interrupted: "Ctrl-C stopped the work (the interrupted event that follows lists what may still run)",
      images:
        "per image: region, image, removed, added, failed (with job IDs and reasons), unfinished (still running, not waited for, or not sent), notes (a failure settled by reading back), verified, drift (null when in sync or not read back)",
      jobs: "every request: region, kind, images, members, jobId, status (SUCCESS, FAIL, interrupted: still running and not waited for, error), job, error (name, message and fields), resent and settled (a request sent again after an unknown outcome)",
    },
  },
  interrupted: {
    when: "Ctrl-C: the last line",
    fields: {
      jobId: "the job that goes on in IMS (a command that follows one job), or null",
      resume: "the command that follows it on, or null",
      jobs: "every job that may still run: region (null outside apply), jobId, resume",
    },
  },
} as const satisfies Record<string, { when: string; fields: Record<string, string> }>;

export type JsonEventName = keyof typeof JSON_EVENTS;
/** The fields of an event, exactly the documented ones. */
export type JsonEventFields<E extends JsonEventName> = { [K in keyof (typeof JSON_EVENTS)[E]["fields"]]: unknown };

/** What the CLI talks to: streams, environment, terminal or not, Ctrl-C. */
export interface CliIo {
  /** One line to stdout (the newline is added). */
  out: (text: string) => void;
  /** One line to stderr (the newline is added). */
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Whether stdout is a terminal: live progress and tables instead of plain lines. */
  isTTY: boolean;
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
}

/** Bad usage or input found by the CLI itself (exit 2). */
export class UsageError extends Error {
  /** The help to point at, such as `members add`. */
  readonly helpFor: string;
  constructor(message: string, helpFor = "") {
    super(message);
    this.name = "UsageError";
    this.helpFor = helpFor;
  }
}

/**
 * A run that ends with a documented code other than the error classes': an apply declined at its
 * prompt, a partial plan (exit 1). The message is printed as any error's.
 */
export class CliFailure extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, name = "CliFailure") {
    super(message);
    this.name = name;
    this.exitCode = exitCode;
  }
}

/**
 * An error as a JSON value that survives `JSON.stringify` (an Error's own properties are not
 * enumerable: it would print `{}`): an ImsError's `toJSON()` (name, message and its class's
 * fields), else `{ name, message }`.
 */
export function errorJson(error: unknown): Record<string, unknown> {
  if (error instanceof ImsError) return error.toJSON();
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** Text for people or JSON lines for scripts: each command calls both, and only the right one prints. */
export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  /** A terminal without --json: live progress lines and aligned tables. */
  readonly live: boolean;
  readonly terminal: boolean;
  readonly #io: Pick<CliIo, "out" | "err">;

  constructor(io: Pick<CliIo, "out" | "err" | "isTTY">, options: { json?: boolean; verbose?: boolean } = {}) {
    this.#io = io;
    this.json = options.json ?? false;
    this.verbose = options.verbose ?? false;
    this.terminal = io.isTTY;
    this.live = io.isTTY && !this.json;
  }

  /** A JSON line, with --json only. */
  event<E extends JsonEventName>(name: E, fields: JsonEventFields<E>): void {
    if (this.json) this.#io.out(JSON.stringify({ event: name, ...fields }));
  }

  /** A line of text on stdout, without --json only. */
  line(text: string): void {
    if (!this.json) this.#io.out(text);
  }

  /** A line on stderr, whatever the mode (warnings, hints, errors). */
  note(text: string): void {
    this.#io.err(text);
  }

  /** Rewrites the live line in place (terminal only). */
  liveLine(text: string): void {
    if (this.live) this.#io.out(`\r\x1b[2K${text}\x1b[1A`);
  }

  /** Leaves the live line as it last stood. */
  endLive(): void {
    if (this.live) this.#io.out("");
  }

  /** Erases the live line (Ctrl-C: what it said is no longer true); what follows is written in its place. */
  clearLive(): void {
    if (this.live) this.#io.out("\r\x1b[2K\x1b[1A");
  }

  /** Rows as an aligned table with a header on a terminal, tab-separated values without one otherwise. */
  table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
    if (!this.terminal) {
      for (const row of rows) this.line(row.join("\t"));
      return;
    }
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const format = (cells: readonly string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd();
    this.line(format(headers));
    for (const row of rows) this.line(format(row));
  }
}

/**
 * The library's advice in the CLI's terms: its options become the flags that set them (a refusal
 * of plain http:// names `allowInsecureHttp`, which the command line spells
 * `--allow-insecure-http`). Other errors pass unchanged.
 */
export function inCliTerms(error: unknown, what: string): unknown {
  if (!(error instanceof ImsValidationError)) return error;
  const word = /\b(?:set )?allowInsecureHttp(?:: true)?/;
  if (!error.issues.some((i) => word.test(i.message))) return error;
  const all = new RegExp(word.source, "g");
  return new ImsValidationError(
    error.issues.map((i) => ({ ...i, message: i.message.replace(all, "pass --allow-insecure-http") })),
    what,
  );
}

/** `RUNNING 40%`, `SUCCESS`, … */
export function describeJob(job: AnyJob): string {
  const percent = job.entities?.process_percent;
  return `${job.status}${percent !== undefined && percent !== null && job.status === "RUNNING" ? ` ${percent}%` : ""}`;
}

/** A job that ended badly: FAIL, or SUCCESS with failed images. */
export function jobFailed(job: AnyJob): boolean {
  return jobOutcome(job).state === "failed";
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Waits for a job with live output: a line rewritten in place on a terminal (with each failed
 * poll in it), a line per change otherwise (failed polls on stderr), `progress` and `pollError`
 * events with --json.
 */
export async function followJob(
  ims: ImsClient,
  jobId: string,
  out: Output,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<AnyJob> {
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  let lastJob: AnyJob | undefined;
  let trouble: string | undefined;
  const draw = () =>
    out.liveLine(
      `job ${jobId}: ${lastJob ? describeJob(lastJob) : "waiting for IMS"} (${elapsed().toFixed(1)}s)${trouble ? `; ${trouble}` : ""}`,
    );
  const onProgress = (job: AnyJob) => {
    lastJob = job;
    trouble = undefined;
    out.event("progress", {
      jobId: job.job_id,
      status: job.status,
      percent: job.entities?.process_percent ?? null,
      elapsedSeconds: Math.round(elapsed() * 10) / 10,
    });
    if (out.live) draw();
    else out.line(`job ${job.job_id}: ${describeJob(job)} (${elapsed().toFixed(1)}s)`);
  };
  const onPollError = (event: PollErrorEvent) => {
    const error: unknown = event.error;
    const message = error instanceof Error ? error.message : String(error);
    out.event("pollError", { jobId, attempt: event.attempt, error: errorJson(error), retryInSeconds: seconds(event.delayMs) });
    const text = `poll ${event.attempt} failed (${message}), trying again in ${seconds(event.delayMs).toFixed(1)}s`;
    if (out.live) {
      trouble = text;
      draw();
    } else if (!out.json) {
      out.note(`job ${jobId}: ${text}`);
    }
  };
  draw();
  const ticker = out.live ? setInterval(draw, 1_000) : undefined;
  try {
    return await ims.waitForJob(jobId, { timeoutMs: options.timeoutMs, signal: options.signal, onProgress, onPollError });
  } finally {
    clearInterval(ticker);
    if (options.signal.aborted) out.clearLive();
    else out.endLive();
  }
}

/** The exit code an error ends the command with. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliFailure) return error.exitCode;
  if (error instanceof UsageError || error instanceof ImsValidationError) return EXIT.usage;
  if (error instanceof ImsJobFailedError) return EXIT.jobFailed;
  if (error instanceof ImsTimeoutError) return EXIT.timeout;
  if (error instanceof ImsApiError || error instanceof ImsResponseError || error instanceof ImsNetworkError) return EXIT.api;
  return EXIT.internal;
}

const COMPARE_HINT = /\(?compare error\.canonicalRequest with error\.signedCanonicalRequest\)?/;

/** The error on one line, as the CLI prints it. */
export function oneLine(error: unknown, verbose: boolean): string {
  if (error instanceof ImsValidationError) return `invalid input: ${error.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`;
  const message = error instanceof Error ? error.message : String(error);
  // The library points at error fields; the CLI shows them with --verbose.
  if (error instanceof ImsApiError && COMPARE_HINT.test(message)) {
    return message.replace(
      COMPARE_HINT,
      verbose ? "(both canonical requests follow)" : "(run again with --verbose to see the gateway's canonical request and this client's)",
    );
  }
  return message;
}

/** With --verbose: what does not fit on one line (canonical requests, causes, bodies). */
function details(error: unknown): string[] {
  const lines: string[] = [];
  if (error instanceof ImsApiError) {
    if (error.canonicalRequest !== undefined || error.signedCanonicalRequest !== undefined) {
      lines.push(
        "The gateway's canonical request (computed from what it received):",
        error.canonicalRequest ?? "(not in its answer)",
        "",
        "This client's canonical request (what it signed):",
        error.signedCanonicalRequest ?? "(unknown)",
      );
    } else if (error.body !== undefined) {
      lines.push(`body: ${typeof error.body === "string" ? error.body : JSON.stringify(error.body)}`);
    }
  }
  if (error instanceof ImsResponseError) lines.push(`body: ${error.body}`);
  for (
    let cause = (error as { cause?: unknown })?.cause, depth = 0;
    cause !== undefined && depth < 5;
    cause = (cause as { cause?: unknown })?.cause, depth++
  ) {
    const code = (cause as { code?: unknown })?.code;
    lines.push(
      `cause: ${cause instanceof Error ? `${cause.name}${typeof code === "string" ? ` ${code}` : ""}: ${cause.message}` : String(cause)}`,
    );
  }
  return lines;
}

/** What the CLI knows about the job when an error comes. */
export interface ErrorContext {
  /** The command, for "See: ims-sharing … --help". */
  command: string;
  /** The job this run started or followed. */
  jobId?: string | undefined;
  /** Whether this run started it (IMS accepted the change). */
  accepted: boolean;
  /** The code the process ends with, when the command's flags decide it (plan --detailed-exitcode: 1). */
  exitCode?: number | undefined;
  /** The command that follows a job on, in this run's environment; undefined when it cannot be made. */
  hint?: ((jobId: string, verb?: "wait" | "show") => Hint | undefined) | undefined;
}

/** Prints an error (one line, or an `error` event) and says what became of the job; returns the exit code. */
export function reportError(out: Output, error: unknown, context: ErrorContext): number {
  const ownCode = exitCodeOf(error);
  const code = context.exitCode ?? ownCode;
  const jobId = context.jobId ?? (error instanceof ImsError ? error.jobId : undefined);
  // The job may still be running: after this run started it, or when following it stopped short
  // (but not where no endpoint exists: the same command would fail the same way).
  const mayRun =
    jobId !== undefined &&
    ownCode !== EXIT.jobFailed &&
    ownCode !== EXIT.usage &&
    !unresolvable(error) &&
    (context.accepted || error instanceof ImsTimeoutError || error instanceof ImsNetworkError);
  const hint = mayRun ? context.hint?.(jobId) : undefined;
  if (out.json) {
    out.event("error", {
      exitCode: code,
      jobId: jobId ?? null,
      resume: hint?.command ?? null,
      error: error instanceof ImsError ? error.toJSON() : { ...errorJson(error), message: oneLine(error, out.verbose) },
    });
  } else {
    out.note(`error: ${oneLine(error, out.verbose)}`);
    if (error instanceof UsageError)
      out.note(`See: ims-sharing ${error.helpFor || context.command}${error.helpFor || context.command ? " " : ""}--help`);
    if (code === EXIT.internal && out.verbose && error instanceof Error && error.stack) out.note(error.stack);
  }
  if (out.verbose) for (const line of details(error)) out.note(line);
  if (!out.json) {
    if (ownCode === EXIT.jobFailed && jobId) {
      const show = context.hint?.(jobId, "show");
      out.note(`see the job with: ${show ? hintText(show) : `ims-sharing job show ${jobId}`}`);
    }
    if (hint) out.note(`job ${jobId} ${context.accepted ? "was accepted and " : ""}may still be running; check with: ${hintText(hint)}`);
  }
  return code;
}
