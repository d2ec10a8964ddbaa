/**
 * The whole contract run as one library function, `runContract(options)`: what
 * `npm run contract` (scripts/contract.mjs) and `ims-sharing contract` both call. It starts what
 * it needs (a local fake IMS unless given an upstream; Prism's validating proxy in front, with
 * the package's own bundled spec), runs the checks and, from a clone, the Arazzo workflows, stops
 * everything, and answers with an exit code and the report.
 *
 * Exit codes: 0 the upstream keeps the contract; 1 it breaks it; 2 a usage error or Prism
 * missing; 3 the upstream cannot be reached (nothing listening, DNS, TLS): no verdict.
 */
import { parseArgs } from "node:util";
import path from "node:path";
import type { ImsAuth } from "../auth.js";
import { parseDuration } from "../cli/duration.js";
import { isLoopback, regionEndpoint, resolveEndpoint } from "../endpoint.js";
import {
  OWNER_PROJECT, OWNER_TOKEN, RECIPIENT_PROJECT, RECIPIENT_TOKEN, SEED_IMAGES, SEED_PROJECTS, startFakeIms,
} from "../fake/index.js";
import type { PollOptions } from "../wait.js";
import { BROKEN_VARIANTS } from "./broken.js";
import { formatResult, formatTotals, runContractChecks, type CheckResult, type ContractRecipient, type ContractTarget } from "./checks.js";
import { failureText, isUnreachable } from "./observe.js";
import { PRISM_INSTALL, PrismMissingError, resolvePrism, startPrism, type PrismInstallation } from "./prism.js";
import { runWorkflow, workflowsDir, workflowsUnavailable } from "./respect.js";
import { bundledSpecPath } from "./spec.js";

/** What each exit code means. */
export const CONTRACT_EXIT = { kept: 0, broken: 1, usage: 2, unreachable: 3, interrupted: 130 } as const;
export type ContractVerdict = keyof typeof CONTRACT_EXIT;

export interface ContractOptions {
  /** The IMS endpoint to check. Default: a local fake IMS, started and stopped by the run. */
  upstream?: string | undefined;
  /** Or a region: its endpoint `https://ims.{region}.myhuaweicloud.com`. */
  region?: string | undefined;
  /**
   * A broken variant of the local fake (see `BROKEN_VARIANTS`) to run against instead of the
   * faithful one: the run must fail, naming the violation.
   */
  broken?: string | undefined;
  /** The owner's credentials. Default against a loopback upstream (a fake): the fake's owner token. */
  auth?: ImsAuth | undefined;
  /** The owner's project ID. Default against a loopback upstream: the fake's owner project. */
  projectId?: string | undefined;
  /**
   * Your images the writes may change (share first, then unshare) and whose members the reads
   * list. Default against a loopback upstream: the fake's seed images; otherwise none (read-only).
   */
  images?: string[] | undefined;
  /** Projects the one-tenant write may share the images with and unshare them from. */
  memberProjects?: string[] | undefined;
  /** A second tenant for the two-tenant round trip. Default against a loopback upstream: the fake's recipient. */
  recipient?: ContractRecipient | undefined;
  /** Jobs to read, besides those the writes start. */
  jobs?: string[] | undefined;
  /** The longest a job may take (default 5 minutes; 15 s against the local fake). */
  timeoutMs?: number | undefined;
  /** Run the Arazzo workflows when they are available (from a clone; default true). */
  workflows?: boolean | undefined;
  /** Each line of the report as soon as it is known (the report is also returned whole). */
  log?: ((line: string) => void) | undefined;
  /** Stops the run (Ctrl-C): everything started is stopped, and the result is `interrupted`. */
  signal?: AbortSignal | undefined;
  /** The spec to validate against (default: the package's own bundled spec). */
  spec?: string | undefined;
  /** Which package to take Prism from (default `@stoplight/prism-cli`): for tests. */
  prismPackage?: string | undefined;
  /** The local fake's job duration (default 200 ms). */
  jobDurationMs?: number | undefined;
}

/** One Arazzo workflow's outcome. */
export interface WorkflowOutcome {
  name: string;
  ok: boolean;
  skipped?: string;
  /** Respect's report, on failure. */
  output?: string;
  ms: number;
}

export interface ContractRunResult {
  exitCode: (typeof CONTRACT_EXIT)[ContractVerdict];
  verdict: ContractVerdict;
  /** Everything `log` was given, one line each. */
  report: string;
  checks: CheckResult[];
  workflows: WorkflowOutcome[];
  ms: number;
}

export const CONTRACT_HELP = `Usage: ims-sharing contract [options]      (in a clone: npm run contract -- [options])

Runs the contract suite through Stoplight Prism's validating proxy (prism proxy --errors) against
an upstream: every request and answer is checked against the spec bundled with the package, the
first violation ends a check, every change is read back.

  --upstream URL                 the IMS endpoint to check (default: a local fake IMS, with its
                                 own tenants and seed images: credentials and IDs are not used)
  --region R                     or the regional endpoint https://ims.R.myhuaweicloud.com
  --project-id P                 your project ID             ($HUAWEICLOUD_SDK_PROJECT_ID)
  --image ID                     an image of yours the checks may share and unshare, and whose
                                 members they list (repeatable)
  --member-project ID            a project they may share it with, then unshare (repeatable)
  --job ID                       a job to read (repeatable)
  --recipient-project-id P       a second tenant for the two-tenant round trip: share → accept
  --recipient-token T              → reject → unshare ($HUAWEICLOUD_SDK_RECIPIENT_PROJECT_ID,
  --recipient-access-key AK        $IMS_RECIPIENT_TOKEN, $HUAWEICLOUD_SDK_RECIPIENT_AK,
  --recipient-secret-key SK        $HUAWEICLOUD_SDK_RECIPIENT_SK,
  --recipient-security-token T     $HUAWEICLOUD_SDK_RECIPIENT_SECURITY_TOKEN)
  --access-key AK, --secret-key SK, --security-token T, --token T
                                 your credentials ($HUAWEICLOUD_SDK_AK, $HUAWEICLOUD_SDK_SK,
                                 $HUAWEICLOUD_SDK_SECURITY_TOKEN, $IMS_TOKEN); prefer the
                                 environment: flags show in the process list
  --timeout DURATION             how long a job may take (default 5m; 15s against the local fake)
  --no-workflows                 do not run the Arazzo workflows
  --broken NAME                  against a local fake broken on purpose (see --list-broken)
  --list-broken                  list the broken variants

Read-only by default: against a real account only reads and harmless negative requests (no
credentials, a wrong signature, an unknown job, an invalid body, an unknown image) run. Writes
run only on the images and projects you name: with --image and --member-project, the images
are shared with the projects, then unshared; with --image and a recipient, the two-tenant round
trip runs. A loopback upstream is taken for a fake IMS (npm run fake, npm start): its seed
images, projects and tokens are used.

Needs Stoplight Prism, an optional peer dependency: ${PRISM_INSTALL}

Exit codes: 0 the upstream keeps the contract, 1 it breaks it, 2 usage error or Prism missing,
3 the upstream is unreachable (nothing listening, DNS failure, TLS error): no verdict.`;

/** What the command line asks for. */
export type ParsedContractArgs =
  | { kind: "run"; options: ContractOptions }
  | { kind: "help"; text: string }
  | { kind: "list-broken"; text: string }
  | { kind: "usage"; message: string };

type Env = Record<string, string | undefined>;

/** Credentials from flags, then the environment; AK/SK wins over a token. */
function credentials(flags: { accessKey?: string | undefined; secretKey?: string | undefined; securityToken?: string | undefined; token?: string | undefined }, who: string): ImsAuth | string | undefined {
  const { accessKey, secretKey, securityToken, token } = flags;
  if (accessKey || secretKey) {
    if (!accessKey || !secretKey) return `${who}: an access key needs its secret key, and a secret key its access key`;
    return { accessKey, secretKey, ...(securityToken ? { securityToken } : {}) };
  }
  return token ? { token } : undefined;
}

/** Parses `ims-sharing contract` / `npm run contract --` arguments, with the environment's defaults. */
export function parseContractArgs(argv: readonly string[], env: Env = {}): ParsedContractArgs {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        upstream: { type: "string" }, region: { type: "string" }, "project-id": { type: "string" },
        image: { type: "string", multiple: true }, "member-project": { type: "string", multiple: true }, job: { type: "string", multiple: true },
        "access-key": { type: "string" }, "secret-key": { type: "string" }, "security-token": { type: "string" }, token: { type: "string" },
        "recipient-project-id": { type: "string" }, "recipient-access-key": { type: "string" }, "recipient-secret-key": { type: "string" },
        "recipient-security-token": { type: "string" }, "recipient-token": { type: "string" },
        timeout: { type: "string" }, "no-workflows": { type: "boolean" },
        broken: { type: "string" }, "list-broken": { type: "boolean" }, help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return { kind: "usage", message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: "help", text: CONTRACT_HELP };
  if (values["list-broken"]) {
    return { kind: "list-broken", text: Object.entries(BROKEN_VARIANTS).map(([name, v]) => `${name.padEnd(28)} ${v.description}`).join("\n") };
  }
  const str = (name: string) => (typeof values[name] === "string" && values[name] !== "" ? values[name] as string : undefined);
  const list = (name: string) => (Array.isArray(values[name]) ? values[name] as string[] : undefined);
  const options: ContractOptions = {};
  const set = <K extends keyof ContractOptions>(key: K, value: ContractOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("upstream", str("upstream"));
  set("region", str("region"));
  set("broken", str("broken"));
  set("projectId", str("project-id") ?? (env.HUAWEICLOUD_SDK_PROJECT_ID || undefined));
  set("images", list("image"));
  set("memberProjects", list("member-project"));
  set("jobs", list("job"));
  if (values["no-workflows"]) options.workflows = false;
  if (str("timeout") !== undefined) {
    const ms = parseDuration(str("timeout")!);
    if (ms === undefined) return { kind: "usage", message: `--timeout: "${str("timeout")}" is not a duration (try 90s or 5m)` };
    options.timeoutMs = ms;
  }
  const fromFlags = credentials({ accessKey: str("access-key"), secretKey: str("secret-key"), securityToken: str("security-token"), token: str("token") }, "--access-key/--secret-key");
  const auth = fromFlags ?? credentials({
    accessKey: env.HUAWEICLOUD_SDK_AK || undefined, secretKey: env.HUAWEICLOUD_SDK_SK || undefined,
    securityToken: env.HUAWEICLOUD_SDK_SECURITY_TOKEN || undefined, token: env.IMS_TOKEN || undefined,
  }, "HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK");
  if (typeof auth === "string") return { kind: "usage", message: auth };
  set("auth", auth);
  const recipientFlags = credentials({
    accessKey: str("recipient-access-key"), secretKey: str("recipient-secret-key"), securityToken: str("recipient-security-token"), token: str("recipient-token"),
  }, "--recipient-access-key/--recipient-secret-key");
  const recipientAuth = recipientFlags ?? credentials({
    accessKey: env.HUAWEICLOUD_SDK_RECIPIENT_AK || undefined, secretKey: env.HUAWEICLOUD_SDK_RECIPIENT_SK || undefined,
    securityToken: env.HUAWEICLOUD_SDK_RECIPIENT_SECURITY_TOKEN || undefined, token: env.IMS_RECIPIENT_TOKEN || undefined,
  }, "HUAWEICLOUD_SDK_RECIPIENT_AK/HUAWEICLOUD_SDK_RECIPIENT_SK");
  if (typeof recipientAuth === "string") return { kind: "usage", message: recipientAuth };
  const recipientProject = str("recipient-project-id") ?? (env.HUAWEICLOUD_SDK_RECIPIENT_PROJECT_ID || undefined);
  if (recipientAuth && !recipientProject) return { kind: "usage", message: "the recipient's credentials need its project ID: --recipient-project-id (or HUAWEICLOUD_SDK_RECIPIENT_PROJECT_ID)" };
  if (recipientProject && !recipientAuth) {
    return { kind: "usage", message: "the recipient's project needs its credentials: --recipient-token or --recipient-access-key/--recipient-secret-key (or IMS_RECIPIENT_TOKEN, HUAWEICLOUD_SDK_RECIPIENT_AK/_SK)" };
  }
  if (recipientAuth && recipientProject) options.recipient = { auth: recipientAuth, projectId: recipientProject };
  return { kind: "run", options };
}


/**
 * Whether anything answers at `url`: any HTTP answer will do. The reason when nothing does:
 * refused, DNS, TLS, or no answer in time.
 */
export async function probeUpstream(url: string, timeoutMs = 10_000): Promise<string | undefined> {
  try {
    const response = await fetch(url, { method: "GET", redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return undefined;
  } catch (error) {
    const text = failureText(error);
    if (error instanceof DOMException && error.name === "TimeoutError") return `no answer from ${url} within ${Math.round(timeoutMs / 1000)} s`;
    const kind = /ENOTFOUND|EAI_AGAIN/.test(text) ? "DNS lookup failed"
      : /ECONNREFUSED/.test(text) ? "nothing is listening"
        : /CERT|SSL|TLS|EPROTO|self[- ]signed|wrong version number|unable to (verify|get)/i.test(text) ? "TLS error"
          : isUnreachable(text) ? "the connection failed" : "the request failed";
    return `${kind}: ${url}: ${text}`;
  }
}

const WORKFLOWS = {
  unshareImage: "unshare-image.arazzo.yaml",
  shareAcceptListUnshare: "share-accept-unshare.arazzo.yaml",
  rejectThenAcceptLater: "reject-then-accept.arazzo.yaml",
} as const;

/**
 * Runs the contract suite. Whatever a person can fix (usage, Prism missing, an unreachable
 * upstream, a broken contract) is an exit code and the report's last lines; it throws only when
 * something of its own fails (Prism does not start). Everything it started is stopped before it
 * returns.
 */
export async function runContract(options: ContractOptions = {}): Promise<ContractRunResult> {
  const started = Date.now();
  const lines: string[] = [];
  const log = (text: string) => {
    for (const line of text.split("\n")) lines.push(line);
    options.log?.(text);
  };
  const checks: CheckResult[] = [];
  const workflows: WorkflowOutcome[] = [];
  const stops: Array<() => Promise<void>> = [];
  const finish = (verdict: ContractVerdict, closing?: string): ContractRunResult => {
    if (closing) log(closing);
    return { exitCode: CONTRACT_EXIT[verdict], verdict, report: lines.join("\n"), checks, workflows, ms: Date.now() - started };
  };
  const usage = (message: string) => finish("usage", message);

  // ---- What to run against, checked before anything starts. ----
  if (options.broken !== undefined && !Object.hasOwn(BROKEN_VARIANTS, options.broken)) {
    return usage(`--broken: no variant "${options.broken}"; one of: ${Object.keys(BROKEN_VARIANTS).join(", ")}`);
  }
  if (options.broken !== undefined && (options.upstream || options.region)) return usage("--broken runs against a local fake: it does not go with --upstream or --region");
  let upstream: string | undefined;
  if (options.upstream || options.region) {
    const { baseUrl, issues } = resolveEndpoint(options.upstream ? { endpoint: options.upstream } : { region: options.region });
    if (!baseUrl) return usage(issues.map((i) => `--${i.path === "endpoint" ? "upstream" : i.path} ${i.message}`).join("; "));
    upstream = options.upstream ? baseUrl : regionEndpoint(options.region!);
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) return usage(`timeout must be a positive number of milliseconds, got ${options.timeoutMs}`);
  let prism: PrismInstallation;
  try {
    prism = resolvePrism(options.prismPackage);
  } catch (error) {
    if (error instanceof PrismMissingError) return usage(error.message);
    throw error;
  }
  const spec = options.spec ?? bundledSpecPath();
  if (!spec) return usage("the bundled spec (dist/openapi.json) is missing: reinstall ims-sharing, or run `npm run build` in a clone");

  // The local fake is a world of its own: its tenants, tokens and seed images, whatever the
  // environment holds. A loopback upstream is taken for a fake too, unless told otherwise.
  const local = upstream === undefined;
  const loopback = local || isLoopback(new URL(upstream!).hostname);
  const own: ContractOptions = local ? {} : options;
  const auth = own.auth ?? (loopback ? { token: OWNER_TOKEN } : undefined);
  if (!auth) {
    return usage("no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or IMS_TOKEN (or --access-key/--secret-key, --token)");
  }
  const projectId = own.projectId ?? (loopback ? OWNER_PROJECT : undefined);
  const images = own.images ?? (loopback ? [...SEED_IMAGES] : []);
  const memberProjects = own.memberProjects ?? (loopback ? [SEED_PROJECTS[0]] : []);
  const recipient = own.recipient ?? (loopback ? { auth: { token: RECIPIENT_TOKEN }, projectId: RECIPIENT_PROJECT } : undefined);

  try {
    // ---- The upstream. ----
    if (local) {
      const variant = options.broken === undefined ? undefined : BROKEN_VARIANTS[options.broken];
      // With credentials to verify, the fake refuses wrong signatures as the gateway does.
      const fake = await startFakeIms({
        jobDurationMs: options.jobDurationMs ?? 200,
        credentials: { HPUACONTRACTRUNKEY0001: { secretKey: `contract-run-${Math.random().toString(36).slice(2)}` } },
        ...(variant ? { transform: variant.transform } : {}),
      });
      stops.push(() => fake.close());
      upstream = fake.url;
      log(`Upstream: a local fake IMS at ${fake.url}${variant ? `, broken on purpose (${options.broken}: ${variant.description})` : ""}, with its own tenants and seed images`);
    } else {
      log(`Upstream: ${upstream}`);
      const unreachable = await probeUpstream(upstream!);
      if (unreachable) return finish("unreachable", `\nThe upstream is unreachable (${unreachable}): no verdict on the contract.`);
    }
    if (options.signal?.aborted) return finish("interrupted", "\nInterrupted.");

    // ---- Prism in front of it. ----
    const proxy = await startPrism({ mode: "proxy", spec, upstream: upstream!, prism });
    stops.push(() => proxy.stop());
    log(`Validating proxy: ${proxy.url} → ${upstream} (Prism ${prism.version}, spec ${path.relative(process.cwd(), spec).startsWith("..") ? spec : path.relative(process.cwd(), spec)})`);
    log(`Writes: ${[
      images.length && memberProjects.length ? `share then unshare ${images.join(", ")} with ${memberProjects.join(", ")}` : "",
      images.length && recipient ? `the two-tenant round trip on ${images.at(-1)} with ${recipient.projectId}` : "",
    ].filter(Boolean).join("; ") || "none (read-only)"}\n`);

    // On this machine polling fast costs nothing; a real endpoint gets the client's own schedule.
    const poll: PollOptions | undefined = loopback ? { initialDelayMs: 100, growth: 0.1, maxDelayMs: 500 } : undefined;
    const target: ContractTarget = {
      baseUrl: proxy.url, upstream, auth, projectId, signingHost: new URL(upstream!).host, spec,
      images, memberProjects, recipient, jobs: options.jobs,
      timeoutMs: options.timeoutMs ?? (local ? 15_000 : 300_000),
      requestTimeoutMs: loopback ? 10_000 : 30_000,
      readBackMs: loopback ? 1_000 : 10_000,
      ...(poll ? { poll } : {}),
    };
    await runContractChecks(target, {
      signal: options.signal,
      onResult: (result) => {
        checks.push(result);
        log(formatResult(result));
      },
    });
    log(formatTotals(checks));
    if (options.signal?.aborted) return finish("interrupted", "\nInterrupted.");
    const unreachable = checks.find((r) => r.unreachable)?.unreachable;
    let failed = checks.filter((r) => !r.ok && !r.unreachable).length;

    // ---- The Arazzo workflows, from a clone. ----
    const needsTokens = (a: ImsAuth | undefined) => a !== undefined && "token" in a;
    const skipAll = options.workflows === false ? "--no-workflows"
      : failed ? "the checks already found the contract broken"
        : unreachable ? "the upstream is unreachable"
          : workflowsUnavailable();
    const dir = workflowsDir();
    const plans: Array<{ id: keyof typeof WORKFLOWS; skip?: string | undefined; inputs: () => Record<string, unknown> }> = [
      {
        id: "unshareImage",
        skip: !needsTokens(auth) ? "it authenticates with an IAM token (IMS_TOKEN)"
          : !(images.length && memberProjects.length && projectId) ? "it changes sharing: name an image and a member project (--image, --member-project)" : undefined,
        inputs: () => ({ token: (auth as { token: string }).token, image: images[0], project: memberProjects[0], ownerProject: projectId }),
      },
      ...(["shareAcceptListUnshare", "rejectThenAcceptLater"] as const).map((id) => ({
        id,
        skip: !recipient ? "it needs a second tenant (--recipient-*)"
          : !needsTokens(auth) || !needsTokens(recipient.auth) ? "it authenticates both tenants with IAM tokens (IMS_TOKEN, IMS_RECIPIENT_TOKEN)"
            : !(images.length && projectId) ? "it changes sharing: name an image (--image)" : undefined,
        inputs: () => ({
          ownerToken: (auth as { token: string }).token, recipientToken: (recipient!.auth as { token: string }).token,
          image: images.at(-1), ownerProject: projectId, recipientProject: recipient!.projectId,
        }),
      })),
    ];
    log("");
    for (const plan of plans) {
      const name = `Arazzo workflow ${plan.id} (${WORKFLOWS[plan.id]}, redocly respect)`;
      const skipped = skipAll ?? plan.skip;
      if (skipped) {
        workflows.push({ name, ok: true, skipped, ms: 0 });
        log(`- ${name} (skipped: ${skipped})`);
        continue;
      }
      if (options.signal?.aborted) return finish("interrupted", "\nInterrupted.");
      const t = Date.now();
      const run = await runWorkflow({
        workflow: path.join(dir!, WORKFLOWS[plan.id]), server: proxy.url, inputs: plan.inputs(),
        timeoutMs: (target.timeoutMs ?? 300_000) * 4, signal: options.signal,
      });
      const outcome: WorkflowOutcome = { name, ok: run.ok, ms: Date.now() - t, ...(run.ok ? {} : { output: run.output }) };
      workflows.push(outcome);
      log(`${run.ok ? "✔" : "✖"} ${name}: ${run.steps.passed} steps passed, ${run.steps.failed} failed (${(outcome.ms / 1000).toFixed(1)} s)`);
      if (!run.ok) {
        failed++;
        log(run.output.split("\n").filter((l) => l.trim()).map((l) => `    ${l}`).join("\n"));
      }
    }

    if (failed) return finish("broken", `\nThe upstream breaks the contract: ${failed} failed (see ✖ above).`);
    if (unreachable) return finish("unreachable", `\nThe upstream became unreachable (${unreachable}): no verdict on the contract.`);
    return finish("kept", "\nThe upstream keeps the contract.");
  } finally {
    await Promise.allSettled(stops.reverse().map((stop) => stop()));
  }
}
