/**
 * What a contract check is and what it is given: the target (the validating proxy, the upstream
 * behind it, the tenants and the resources the writes may change), the context one check runs
 * in (its clients, its observer, the run's shared state), and what it ends with (a result, or a
 * failed expectation, or a skip). The checks themselves are in negative.ts, reads.ts and
 * writes.ts and copy.ts; the runner in runner.ts.
 */
import type { OperationId } from "../../generated/operations.js";
import type { ImsAuth } from "../auth.js";
import type { ImsClient } from "../client.js";
import { operationSpec } from "../operations.js";
import type { PollOptions, WaitOptions } from "../wait.js";
import type { Exchange, Observer } from "./observe.js";
import type { ContractSpec } from "./spec.js";

/** A second tenant: the project images are shared with, which accepts and rejects them. */
export interface ContractRecipient {
  auth: ImsAuth;
  projectId: string;
}

export interface ContractTarget {
  /** The validating proxy's URL (`prism proxy SPEC UPSTREAM --errors`). */
  baseUrl: string;
  /** The upstream itself, for the checks Prism would answer for (no credentials, an invalid body). */
  upstream?: string | undefined;
  auth: ImsAuth;
  projectId?: string | undefined;
  /** With AK/SK: the upstream's host, which the proxy forwards to. */
  signingHost?: string | undefined;
  /** Your images the writes may change (share, unshare); the reads list their members. */
  images?: string[] | undefined;
  /** Projects the one-tenant write may share the images with and unshare them from. */
  memberProjects?: string[] | undefined;
  /** A second tenant, for the two-tenant round trip. */
  recipient?: ContractRecipient | undefined;
  /**
   * IAM, for its operations (`keystoneListProjects`): the validating proxy in front of it (the IMS
   * proxy itself when one upstream answers both, as the fake does), and the host to sign for.
   * Without it, IAM's checks are skipped.
   */
  iam?: { baseUrl: string; upstream?: string | undefined; signingHost?: string | undefined } | undefined;
  /** The region, when the run is for one: IAM's reads also list its project by name. */
  region?: string | undefined;
  /**
   * An image the copy check may copy (then delete the copy): set only when the user named it
   * and allowed the copy, which is a billable resource (`--copy-image ID --allow-copy`).
   */
  copyImage?: string | undefined;
  /** Jobs to read (besides those the writes start). */
  jobs?: string[] | undefined;
  /** The longest a job may take (default 5 minutes). */
  timeoutMs?: number | undefined;
  poll?: PollOptions | undefined;
  /** The time limit for one request (default 30 s). */
  requestTimeoutMs?: number | undefined;
  /** How long a read-back may lag behind a job's SUCCESS before the change counts as not made (default 10 s). */
  readBackMs?: number | undefined;
  /** The bundled spec (default: the package's own). */
  spec?: string | undefined;
  /** Set when the upstream is ims-sharing's own fake IMS (it says so on every answer). */
  fake?: { verifiesSignatures: boolean } | undefined;
  /** The command that starts a fake which verifies signatures, for the hint when this one does not. */
  verifyingFakeCommand?: string | undefined;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Why the check did not run. */
  skipped?: string;
  /** What went wrong, one line each: failed expectations and the violation that ended the check. */
  problems: string[];
  /** Retried requests and failed polls: reported even when the check passed in the end. */
  notes: string[];
  /** What the check did that a reader should know (a share set up first). */
  info?: string[];
  exchanges: Exchange[];
  /** The exchange whose violation ended the check. */
  violation?: Exchange;
  /** What the check made and could not remove (a copy's image ID, and why): it is still there. */
  leftBehind?: string[];
  /** Set when the upstream could not be reached: no verdict. */
  unreachable?: string;
  ms: number;
}

/** What the checks of one run share: the jobs the writes started, for the job reads. */
export interface RunState {
  jobs: string[];
}

export interface CheckContext {
  target: ContractTarget;
  spec: ContractSpec;
  /** The owner's client, through the validating proxy (its transport: `transportOf`). */
  owner: ImsClient;
  /** The second tenant's client, through the validating proxy. */
  recipient?: { client: ImsClient; projectId: string } | undefined;
  /** A client that calls the upstream itself, past Prism (no retries). */
  direct?: ImsClient | undefined;
  /** Each tenant's client for IAM's operations, through IAM's validating proxy (when the target has IAM). */
  iam?: { owner: ImsClient; recipient?: ImsClient | undefined } | undefined;
  /**
   * The owner's client for undoing what the check made (deleting a copy): through the validating
   * proxy, recorded, but stopped neither by the check's first violation nor by its own.
   */
  cleanup: ImsClient;
  observer: Observer;
  /** Aborts when the check is stopped (its first violation). */
  signal: AbortSignal;
  run: RunState;
  /** Options for every wait for a job: the run's limit and schedule, failed polls reported. */
  wait: WaitOptions;
  /** Ends the check with a failed expectation. */
  fail: (message: string) => never;
  /** Ends the check as skipped. */
  skip: (reason: string) => never;
  /** Reports a retry or a failed poll: something that went wrong on the way and was overcome. */
  note: (message: string) => void;
  /** Reports what the check did besides its plan (a share it had to stop first). */
  info: (message: string) => void;
  /** Reports something the check made that is still there (a copy it could not delete). */
  leftBehind: (message: string) => void;
}

export interface Check {
  name: string;
  /** The operations the check calls (every operation of the table is covered by some check). */
  operations: readonly OperationId[];
  /** It changes sharing (or makes images). */
  writes?: boolean;
  /** Which service's upstream it needs (default IMS): an unreachable IAM does not end the run's other checks. */
  service?: "ims" | "iam" | undefined;
  /** Violations are the expected outcome of this check (an invalid request sent on purpose). */
  expectsViolations?: boolean;
  /** Why it cannot run against this target, if it cannot. */
  skip?: ((target: ContractTarget) => string | undefined) | undefined;
  run: (ctx: CheckContext) => Promise<void>;
}

/** A failed expectation: the check's problem is its message. */
export class CheckFailed extends Error {}
/** What the check needs is not there: its message says what. */
export class CheckSkipped extends Error {}

/** Ends the check with a failed expectation. */
export function fail(message: string): never {
  throw new CheckFailed(message);
}

/** Ends the check as skipped (what it needs is not there). */
export function skip(reason: string): never {
  throw new CheckSkipped(reason);
}

/** `GET /v1/cloudimages/job/{job_id}`: an operation as reports name it, from the table. */
export function route(id: OperationId): string {
  const { method, path } = operationSpec(id);
  return `${method} ${path}`;
}

/** Whether an operation reads a job: a GET whose path names one (the reads of the jobs the writes start). */
export function readsAJob(id: OperationId): boolean {
  const { method, pathParams } = operationSpec(id);
  return method === "GET" && pathParams.includes("job_id");
}

/** `route(id)` with some path parameters named otherwise: `GET /v1/cloudimages/job/{unknown}`. */
export function routeWith(id: OperationId, names: Record<string, string>): string {
  return route(id).replace(/\{(\w+)\}/g, (whole, name: string) => (names[name] === undefined ? whole : `{${names[name]}}`));
}

/** `${base}${path}`: operation `id`'s URL with its path parameters filled (encoded) from `params`. */
export function operationUrl(base: string, id: OperationId, params: Record<string, string> = {}): string {
  const path = operationSpec(id).path.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : encodeURIComponent(params[name]),
  );
  return `${base.replace(/\/+$/, "")}${path}`;
}

/** A `describe` for any thrown value: `Name: message`. */
export const describeError = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
