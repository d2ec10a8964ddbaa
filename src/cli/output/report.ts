/**
 * How an error ends a run: its exit code, the error on one line (or an `error` event with
 * --json), the details with --verbose, and what became of the job it concerns (may it still run,
 * and the command that checks). Also the library's advice in the command line's terms.
 */
import {
  ImsApiError,
  ImsError,
  ImsJobFailedError,
  ImsNetworkError,
  ImsProjectDiscoveryError,
  ImsResponseError,
  ImsTimeoutError,
  ImsValidationError,
} from "../../errors.js";
import { unresolvable } from "../../retry.js";
import { hintText, type Hint } from "../hints.js";
import { EXIT } from "./exit-codes.js";
import type { Output } from "./printer.js";
import { CliFailure, UsageError } from "./usage-error.js";

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

/**
 * The library's advice in the CLI's terms: its options become the flags that set them (a refusal
 * of plain http:// names `allowInsecureHttp`, which the command line spells
 * `--allow-insecure-http`). Other errors pass unchanged.
 */
export function inCliTerms(error: unknown, what: string): unknown {
  if (!(error instanceof ImsValidationError)) return error;
  const word = /\b(?:set )?allowInsecureHttp(?:: true)?/;
  // The IAM endpoint is the option only --iam-endpoint (or its variable) sets.
  const renamed = (path: string) => (path === "iamEndpoint" ? "--iam-endpoint" : path);
  if (!error.issues.some((i) => word.test(i.message) || i.path === "iamEndpoint")) return error;
  const all = new RegExp(word.source, "g");
  return new ImsValidationError(
    error.issues.map((i) => ({ ...i, path: renamed(i.path), message: i.message.replace(all, "pass --allow-insecure-http") })),
    what,
  );
}

/** The exit code an error ends the command with. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliFailure) return error.exitCode;
  // None or several projects for the region: the user says which with --project-id.
  if (error instanceof UsageError || error instanceof ImsValidationError || error instanceof ImsProjectDiscoveryError) return EXIT.usage;
  if (error instanceof ImsJobFailedError) return EXIT.jobFailed;
  if (error instanceof ImsTimeoutError) return EXIT.timeout;
  if (error instanceof ImsApiError || error instanceof ImsResponseError || error instanceof ImsNetworkError) return EXIT.api;
  return EXIT.internal;
}

const COMPARE_HINT = /\(?compare error\.canonicalRequest with error\.signedCanonicalRequest\)?/;

/** The error on one line, as the CLI prints it. */
export function oneLine(error: unknown, verbose: boolean): string {
  if (error instanceof ImsValidationError) return `invalid input: ${error.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`;
  if (error instanceof ImsProjectDiscoveryError) return error.message.replace(/\bgive projectId\b/, "give --project-id");
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
  let cause = causeOf(error);
  for (let depth = 0; cause !== undefined && depth < 5; cause = causeOf(cause), depth++) {
    const code = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
    const text = cause instanceof Error ? `${cause.name}${typeof code === "string" ? ` ${code}` : ""}: ${cause.message}` : plain(cause);
    lines.push(`cause: ${text}`);
  }
  return lines;
}

/** A value that is not an Error, as text. */
function plain(value: unknown): string {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object") {
    try {
      return JSON.stringify(value);
    } catch {
      return "an object that cannot be shown";
    }
  }
  return String(value);
}

/** An error's `cause`, if it has one. */
function causeOf(error: unknown): unknown {
  return error !== null && typeof error === "object" ? (error as { cause?: unknown }).cause : undefined;
}

/** What the CLI knows about the job when an error comes. */
export interface ErrorContext {
  /** The command, for "See: ims-sharing … --help". */
  command: string;
  /** The command line that shows the help of a command or group (`ims-sharing members add --help`). */
  helpCommand: (helpFor: string) => string;
  /** The job this run started or followed. */
  jobId?: string | undefined;
  /** Whether this run started it (IMS accepted the change). */
  accepted: boolean;
  /** The code the process ends with, when the command's flags decide it (plan --detailed-exitcode: 1). */
  exitCode?: number | undefined;
  /** The command that follows a job on, in this run's environment; undefined when it cannot be made. */
  hint?: ((jobId: string, verb?: "wait" | "show") => Hint | undefined) | undefined;
  /** For a change whose outcome is unknown: the commands, complete for this run, that show whether it took effect. */
  checks?: readonly string[] | undefined;
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
      resume: hint ? hintText(hint) : null,
      check: context.checks ?? [],
      error: error instanceof ImsError ? error.toJSON() : { ...errorJson(error), message: oneLine(error, out.verbose) },
    });
  } else {
    out.note(`error: ${oneLine(error, out.verbose)}`);
    if (error instanceof UsageError) out.note(`See: ${context.helpCommand(error.helpFor || context.command)}`);
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
