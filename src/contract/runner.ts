/**
 * Runs the contract checks against a target, one after another, each with clients of its own
 * whose every exchange its observer records (observe.ts): the first violation ends a check at
 * once and is its problem; retries and failed polls on the way become its notes; an upstream
 * that cannot be reached ends the run's verdict (every later check is "not checked").
 */
import { secretsOf, type ImsAuth } from "../auth.js";
import { createImsClient, type ImsClient } from "../client.js";
import { createRedactor, type Redactor } from "../redact.js";
import type { RetryEvent } from "../retry.js";
import type { PollErrorEvent } from "../wait.js";
import { CHECKS } from "./checks.js";
import {
  CheckFailed,
  CheckSkipped,
  describeError,
  fail,
  skip,
  type Check,
  type CheckContext,
  type CheckResult,
  type ContractTarget,
  type RunState,
} from "./context.js";
import { createObserver, describeExchange, UpstreamUnreachableError, type Exchange, type Observer } from "./observe.js";
import { PagingError } from "./paging.js";
import { loadSpec, type ContractSpec } from "./spec.js";

export interface RunChecksOptions {
  checks?: readonly Check[] | undefined;
  /** Called with each result as soon as its check has ended. */
  onResult?: ((result: CheckResult) => void) | undefined;
  /** Stops the run (Ctrl-C): the check under way is abandoned, no other starts. */
  signal?: AbortSignal | undefined;
}

const DEFAULT_TIMEOUT_MS = 300_000;

/** How a client of a check calls: IAM's proxy and host for IAM's clients; unstoppable for the clean-up. */
interface Through {
  iamEndpoint?: string | undefined;
  signingHost?: string | undefined;
  cleanup?: boolean;
}

/** What every check of one run shares. */
interface Run {
  target: ContractTarget;
  spec: ContractSpec;
  redact: Redactor;
  state: RunState;
  signal: AbortSignal | undefined;
}

/** A check's clients, through the validating proxy (and one straight to the upstream), each observed. */
function clientsFor(
  run: Run,
  observer: Observer,
  notes: string[],
): Pick<CheckContext, "owner" | "recipient" | "direct" | "iam" | "cleanup"> {
  const { target } = run;
  const requestTimeoutMs = target.requestTimeoutMs ?? 30_000;
  const onRetry = (who: string) => (e: RetryEvent) =>
    notes.push(`${who}: retried ${e.method} ${e.path} in ${e.delayMs} ms after attempt ${e.attempt} failed: ${e.error.message}`);
  const client = (who: string, auth: ImsAuth, projectId: string | undefined, through: Through = {}): ImsClient => {
    const signingHost = through.signingHost ?? target.signingHost;
    return createImsClient({
      endpoint: target.baseUrl,
      auth,
      fetch: observer.fetch(who, through.cleanup ? { cleanup: true } : {}),
      retry: { attempts: 3, baseDelayMs: 200, onRetry: onRetry(who) },
      requestTimeoutMs,
      ...(through.iamEndpoint ? { iamEndpoint: through.iamEndpoint } : {}),
      ...(projectId ? { projectId } : {}),
      ...(signingHost ? { signingHost } : {}),
      ...(target.poll ? { poll: target.poll } : {}),
    });
  };
  const { recipient, upstream, iam } = target;
  // IAM's clients sign for IAM's host: one client signs for one host.
  const viaIam: Through | undefined = iam && { iamEndpoint: iam.baseUrl, signingHost: iam.signingHost };
  return {
    owner: client("owner", target.auth, target.projectId),
    recipient: recipient ? { client: client("recipient", recipient.auth, recipient.projectId), projectId: recipient.projectId } : undefined,
    iam: viaIam && {
      owner: client("owner", target.auth, target.projectId, viaIam),
      recipient: recipient && client("recipient", recipient.auth, recipient.projectId, viaIam),
    },
    cleanup: client("cleanup", target.auth, target.projectId, { cleanup: true }),
    direct: upstream
      ? createImsClient({
          endpoint: upstream,
          auth: target.auth,
          fetch: observer.fetch("direct", { direct: true }),
          retry: false,
          requestTimeoutMs,
          allowInsecureHttp: true,
          ...(target.projectId ? { projectId: target.projectId } : {}),
        })
      : undefined,
  };
}

/** The context one check runs in; what it notes and reports goes to `notes` and `info`. */
function contextFor(run: Run, observer: Observer, notes: string[], info: string[], leftBehind: string[]): CheckContext {
  const { target } = run;
  const onPollError = (e: PollErrorEvent) =>
    notes.push(`a poll of job ${e.jobId} failed (${e.attempt} in a row), polling again in ${e.delayMs} ms: ${e.error.message}`);
  return {
    target,
    spec: run.spec,
    run: run.state,
    observer,
    ...clientsFor(run, observer, notes),
    signal: observer.signal,
    wait: {
      timeoutMs: target.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal: observer.signal,
      onPollError,
      ...(target.poll ? { poll: target.poll } : {}),
    },
    fail,
    skip,
    note: (message) => void notes.push(message),
    info: (message) => void info.push(message),
    leftBehind: (message) => void leftBehind.push(message),
  };
}

/** The verdict on a check that ran: what stopped it (a violation, an unreachable upstream) comes first. */
function judge(result: CheckResult, observer: Observer, skippedNow: string | undefined): CheckResult {
  const { stopped } = observer;
  if (stopped instanceof UpstreamUnreachableError) {
    result.unreachable = stopped.reason;
  } else if (stopped) {
    // The first violation ended the check: it is the problem, whatever the check made of it.
    result.problems.unshift(`violation: ${describeExchange(stopped.exchange)}`);
    if (stopped.exchange.body && stopped.exchange.answeredBy !== "prism")
      result.problems.push(`the answer was: ${stopped.exchange.body.replace(/\s+/g, " ").slice(0, 300)}`);
    result.violation = stopped.exchange;
  }
  // Something the check made is still there: whatever else happened, that is a problem of its own.
  for (const left of result.leftBehind ?? []) result.problems.push(`‼ left behind: ${left}`);
  if (skippedNow !== undefined && !result.problems.length && !result.unreachable) result.skipped = skippedNow;
  result.ok = result.problems.length === 0 && !result.unreachable;
  return result;
}

/**
 * Names, on each exchange, the upstream it was meant for: the proxy's origin is the proxy's
 * upstream (IMS's or IAM's), a direct request's is its own. A reproducer goes there, since the
 * run's proxies stop when it ends.
 */
function nameUpstreams(target: ContractTarget, exchanges: readonly Exchange[]): void {
  const upstreams = new Map<string, string>();
  if (target.iam?.upstream) upstreams.set(new URL(target.iam.baseUrl).origin, target.iam.upstream);
  if (target.upstream) upstreams.set(new URL(target.baseUrl).origin, target.upstream);
  for (const e of exchanges) if (e.origin) e.upstream = upstreams.get(e.origin) ?? e.origin;
}

/** Runs one check; undefined when the caller stopped the run meanwhile. */
async function runCheck(run: Run, check: Check): Promise<CheckResult | undefined> {
  const started = Date.now();
  const notes: string[] = [];
  const info: string[] = [];
  const leftBehind: string[] = [];
  const observer = createObserver({ spec: run.spec, redact: run.redact, signal: run.signal });
  observer.expectViolations = check.expectsViolations ?? false;
  const problems: string[] = [];
  let skippedNow: string | undefined;
  try {
    await check.run(contextFor(run, observer, notes, info, leftBehind));
  } catch (error) {
    // Interrupted: no verdict, unless the check left something behind (a copy), which is said.
    if (run.signal?.aborted && !leftBehind.length) return undefined;
    if (error instanceof CheckSkipped) skippedNow = error.message;
    // Once stopped, whatever the check threw follows from the stop, which judge() reports.
    else if (observer.stopped) void 0;
    else if (error instanceof CheckFailed || error instanceof PagingError) problems.push(error.message);
    else problems.push(describeError(error));
  } finally {
    observer.dispose();
  }
  nameUpstreams(run.target, observer.exchanges);
  const result: CheckResult = {
    name: check.name,
    ok: true,
    problems,
    notes,
    exchanges: observer.exchanges,
    ms: Date.now() - started,
    ...(info.length ? { info } : {}),
    ...(leftBehind.length ? { leftBehind } : {}),
  };
  return judge(result, observer, skippedNow);
}

/** A result for a check that did not run. */
const notRun = (check: Check, why: { skipped: string } | { unreachable: string }): CheckResult => ({
  name: check.name,
  ok: "skipped" in why,
  ...why,
  problems: [],
  notes: [],
  exchanges: [],
  ms: 0,
});

const isCheckList = (options: RunChecksOptions | readonly Check[]): options is readonly Check[] => Array.isArray(options);

/** Runs every check against `target` and reports each, violations spelled out. */
export async function runContractChecks(target: ContractTarget, options: RunChecksOptions | readonly Check[] = {}): Promise<CheckResult[]> {
  const { checks = CHECKS, onResult, signal } = isCheckList(options) ? { checks: options } : options;
  const secrets = [...secretsOf(target.auth), ...(target.recipient ? secretsOf(target.recipient.auth) : [])];
  const run: Run = { target, spec: loadSpec(target.spec), redact: createRedactor(secrets), state: { jobs: [] }, signal };
  const results: CheckResult[] = [];
  let unreachable: string | undefined;
  for (const check of checks) {
    if (signal?.aborted) break;
    const skipped = unreachable ? undefined : check.skip?.(target);
    const result = unreachable ? notRun(check, { unreachable }) : skipped ? notRun(check, { skipped }) : await runCheck(run, check);
    if (!result) break;
    // IAM's upstream is its own: IMS's checks can still be judged without it.
    if ((check.service ?? "ims") === "ims") unreachable ??= result.unreachable;
    results.push(result);
    onResult?.(result);
  }
  return results;
}
