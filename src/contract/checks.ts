/**
 * The contract checks: requests through Prism's validating proxy to an upstream (the fake IMS,
 * or a real endpoint), each exchange checked for violations of the spec and each answer for what
 * the client makes of it. Against a real cloud only read-only and negative checks run, unless
 * the caller names the images and member projects the end-to-end check may change.
 */
import { createImsClient, type ImsClient } from "../client.js";
import type { ImsAuth } from "../auth.js";
import { ImsApiError, ImsJobFailedError } from "../errors.js";
import type { PollOptions } from "../wait.js";
import { describeViolation, observedFetch, type Exchange } from "./observe.js";

export interface ContractTarget {
  /** The validating proxy's URL (`prism proxy SPEC UPSTREAM --errors`). */
  baseUrl: string;
  auth: ImsAuth;
  projectId?: string | undefined;
  /** With AK/SK: the upstream's host, which the proxy forwards to. */
  signingHost?: string | undefined;
  /** Images the end-to-end check may stop sharing (with `memberProjects`). Without both, it is skipped. */
  images?: string[] | undefined;
  memberProjects?: string[] | undefined;
  /** The longest the end-to-end check waits for its job (default 5 minutes). */
  timeoutMs?: number | undefined;
  poll?: PollOptions | undefined;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Why the check did not run. */
  skipped?: string;
  /** What went wrong, one line each: failed expectations and violations. */
  problems: string[];
  exchanges: Exchange[];
}

interface Check {
  name: string;
  /** Why it cannot run against this target, if it cannot. */
  skip?(target: ContractTarget): string | undefined;
  /** Throws (or returns problems) when the expectation fails. */
  run(ims: ImsClient, target: ContractTarget, exchanges: Exchange[]): Promise<string[] | void>;
  /** Violations are the expected outcome of this check (an invalid request sent on purpose). */
  expectsViolations?: boolean;
}

const randomHex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");
const randomUuid = () => `${randomHex(8)}-${randomHex(4)}-4${randomHex(3)}-8${randomHex(3)}-${randomHex(12)}`;

function expectApiError(error: unknown, statuses: (status: number) => boolean, what: string): string[] {
  if (!(error instanceof ImsApiError)) return [`${what}: expected an IMS error answer, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`];
  const problems: string[] = [];
  if (!statuses(error.status)) problems.push(`${what}: unexpected status ${error.status}`);
  if (!error.code) problems.push(`${what}: the error body has no IMS or gateway code`);
  return problems;
}

export const CHECKS: Check[] = [
  {
    name: "an invalid request body is rejected, naming the bad fields",
    expectsViolations: true,
    async run(ims, _target, exchanges) {
      const { response } = await ims.api.DELETE("/v1/cloudimages/members", {
        body: { images: [], projects: ["not-a-project-id"] } as never,
        parseAs: "text",
      });
      const violations = JSON.stringify(exchanges.flatMap((e) => e.violations));
      const problems: string[] = [];
      if (response.ok) problems.push(`expected a refusal, got ${response.status}`);
      for (const field of ["images", "projects"]) {
        if (!violations.includes(`"${field}"`)) problems.push(`the violations do not name ${field}: ${violations}`);
      }
      return problems;
    },
  },
  {
    name: "an unknown job's progress is a spec-shaped error",
    async run(ims) {
      const error = await ims.getJobProgress(randomHex(32)).then(() => undefined, (e: unknown) => e);
      return expectApiError(error, (s) => s >= 400 && s < 500, "GET /v1/cloudimages/job/{unknown}");
    },
  },
  {
    name: "an unknown job's status is a spec-shaped error",
    skip: (target) => (target.projectId ? undefined : "needs a project ID (--project-id)"),
    async run(ims) {
      const error = await ims.getJob(randomHex(32)).then(() => undefined, (e: unknown) => e);
      return expectApiError(error, (s) => s >= 400 && s < 500, "GET /v1/{project_id}/jobs/{unknown}");
    },
  },
  {
    name: "stopping the sharing of an image that does not exist is refused or fails as a job",
    async run(ims, target) {
      const body = { images: [randomUuid()], projects: [target.memberProjects?.[0] ?? randomHex(32)] };
      try {
        const job = await ims.unshareImages(body, { timeoutMs: target.timeoutMs ?? 300_000, poll: target.poll });
        return [`expected a refusal or a failed job, got job ${job.job_id} ${job.status}`];
      } catch (error) {
        if (error instanceof ImsJobFailedError) return [];
        return expectApiError(error, (s) => s >= 400 && s < 500, "DELETE /v1/cloudimages/members (unknown image)");
      }
    },
  },
  {
    name: "stopping the sharing of the named images succeeds, every poll on the way valid",
    skip: (target) => (target.images?.length && target.memberProjects?.length ? undefined : "changes sharing: name the images and member projects it may change (--image, --member-project)"),
    async run(ims, target) {
      const seen: string[] = [];
      const job = await ims.unshareImages({ images: target.images!, projects: target.memberProjects! },
        { timeoutMs: target.timeoutMs ?? 300_000, poll: target.poll, onProgress: (j) => seen.push(j.status) });
      return job.status === "SUCCESS" ? [] : [`the job ended ${job.status} (seen: ${seen.join(" → ")})`];
    },
  },
];

/** Runs every check against `target` and reports each, violations spelled out. */
export async function runContractChecks(target: ContractTarget, checks: Check[] = CHECKS): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const skipped = check.skip?.(target);
    if (skipped) {
      results.push({ name: check.name, ok: true, skipped, problems: [], exchanges: [] });
      continue;
    }
    const exchanges: Exchange[] = [];
    const ims = createImsClient({
      endpoint: target.baseUrl,
      auth: target.auth,
      ...(target.projectId ? { projectId: target.projectId } : {}),
      ...(target.signingHost ? { signingHost: target.signingHost } : {}),
      ...(target.poll ? { poll: target.poll } : {}),
      fetch: observedFetch(exchanges),
      retry: { attempts: 2, baseDelayMs: 200 },
    });
    let problems: string[];
    try {
      problems = (await check.run(ims, target, exchanges)) ?? [];
    } catch (error) {
      problems = [`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`];
    }
    if (!check.expectsViolations) {
      for (const exchange of exchanges) {
        for (const v of exchange.violations) problems.push(`${exchange.method} ${exchange.path} → ${exchange.status}: ${describeViolation(v)}`);
      }
    }
    results.push({ name: check.name, ok: problems.length === 0, problems, exchanges });
  }
  return results;
}

/** The report a person reads: one line per check, the problems under it, and a total. */
export function formatReport(results: CheckResult[]): string {
  const lines = results.map((r) => {
    const head = `${r.skipped ? "-" : r.ok ? "✔" : "✖"} ${r.name}${r.skipped ? ` (skipped: ${r.skipped})` : ""}`;
    return [head, ...r.problems.map((p) => `    ${p}`)].join("\n");
  });
  const ran = results.filter((r) => !r.skipped);
  lines.push(`${ran.filter((r) => r.ok).length} passed, ${ran.filter((r) => !r.ok).length} failed, ${results.length - ran.length} skipped`);
  return lines.join("\n");
}
