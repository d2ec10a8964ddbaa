/**
 * The whole contract run as one library function, `runContract(options)`: what
 * `ims-sharing contract` and `npm run contract` call once the command line has made its options
 * (flags and the environment are the CLI's to read). It starts what it needs (a local fake IMS
 * unless given an upstream; Prism's validating proxy in front, with the package's own bundled
 * spec), runs the checks and, from a clone, the Arazzo workflows, stops everything, and answers
 * with an exit code and the report.
 *
 * The fake's world (its tokens, tenants and seed images, which the writes change) is used only
 * when the upstream is positively ims-sharing's own fake: one this run started, or one whose
 * answers say so (`X-Ims-Fake`, see fake/identity.ts). Never because of its address: a loopback
 * port may be a tunnel to a real account, which gets writes only on what the user names.
 *
 * A copy (the copy check) is a billable resource: it is made only of an image the user names and
 * allows (`copyImage` with `allowCopy`; against the fake, a seed image), and always deleted.
 * IAM (`GET /v3/projects`) is checked through a validating proxy of its own unless the upstream
 * answers it too (the fake): `iamEndpoint`, or with a region IAM's global endpoint.
 *
 * Exit codes: 0 the upstream keeps the contract; 1 it breaks it (a real violation, nothing
 * else); 2 a usage error (Prism missing, no credentials, an image named that does not exist);
 * 3 the upstream cannot be reached (nothing listening, DNS, TLS): no verdict. A check that
 * cannot be judged against this upstream is skipped, saying why and how to make it judgeable.
 */
import path from "node:path";
import type { ImsAuth } from "../auth.js";
import { schemas } from "../../generated/schemas.js";
import { DEFAULT_IAM_ENDPOINT } from "../discovery.js";
import { baseUrlOf, isLoopback, regionEndpoint, resolveEndpoint } from "../endpoint.js";
import {
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIdentity,
} from "../fake/index.js";
import { validate } from "../validate.js";
import type { PollOptions } from "../wait.js";
import { BROKEN_VARIANTS } from "./broken.js";
import type { CheckResult, ContractRecipient, ContractTarget } from "./context.js";
import { PrismMissingError, resolvePrism, startPrism, type PrismInstallation } from "./prism.js";
import { formatResult, formatTotals } from "./report.js";
import { runContractChecks } from "./runner.js";
import { bundledSpecPath } from "./spec.js";
import { invisibleImage, probeUpstream, unusableImages } from "./upstream.js";
import { runWorkflows, type WorkflowOutcome, type WorkflowWorld } from "./workflows.js";

export { probeUpstream } from "./upstream.js";
export type { UpstreamProbe } from "./upstream.js";
export type { WorkflowOutcome } from "./workflows.js";

/** What each exit code means. */
export const CONTRACT_EXIT = { kept: 0, broken: 1, usage: 2, unreachable: 3, interrupted: 130 } as const;
export type ContractVerdict = keyof typeof CONTRACT_EXIT;

/**
 * How the user runs the suite and the fake, for the commands hints print: the installed CLI's
 * by default; a clone's scripts pass their own (`npm run contract --`, `npm run fake`).
 */
export interface ContractCommands {
  /** Runs the suite, such as `ims-sharing contract`. */
  contract: string;
  /** Starts a fake IMS that verifies AK/SK signatures, such as `ims-sharing fake --verify-signatures`. */
  verifyingFake: string;
}

/** The installed package's commands. */
export const INSTALLED_COMMANDS: ContractCommands = {
  contract: "ims-sharing contract",
  verifyingFake: "ims-sharing fake --verify-signatures",
};

/** Credentials and a project read from the environment rather than given as options or flags. */
export interface ContractEnvironment {
  auth?: ImsAuth | undefined;
  projectId?: string | undefined;
  recipient?: ContractRecipient | undefined;
  /** IAM's endpoint (the CLI reads `HUAWEICLOUD_SDK_IAM_ENDPOINT`). */
  iamEndpoint?: string | undefined;
}

/** A validating proxy in front of an upstream: where to send requests, and how to stop it. */
export interface ValidatingProxy {
  url: string;
  stop: () => Promise<void>;
}

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
  /** The owner's credentials. Default against ims-sharing's own fake: the fake's owner token. */
  auth?: ImsAuth | undefined;
  /** The owner's project ID. Default against ims-sharing's own fake: the fake's owner project. */
  projectId?: string | undefined;
  /**
   * Your images the writes may change (share first, then unshare) and whose members the reads
   * list; each must exist (else a usage error). Default against ims-sharing's own fake: its seed
   * images; against any other upstream, loopback included, none (read-only).
   */
  images?: string[] | undefined;
  /** Projects the one-tenant write may share the images with and unshare them from. */
  memberProjects?: string[] | undefined;
  /** A second tenant for the two-tenant round trip. Default against ims-sharing's own fake: the fake's recipient. */
  recipient?: ContractRecipient | undefined;
  /**
   * IAM's endpoint, for IAM's checks (`GET /v3/projects`), through a validating proxy of its own.
   * Default: against ims-sharing's own fake, the fake (it serves IAM too); with `region`,
   * `https://iam.myhuaweicloud.com` (the official SDKs' default); with another upstream, none:
   * IAM's checks are skipped.
   */
  iamEndpoint?: string | undefined;
  /**
   * An image the copy check may copy; the copy is read back, then deleted. A copy is a billable
   * resource, so this needs `allowCopy` too. Default against ims-sharing's own fake: its first
   * seed image; against any other upstream, none (the copy check is skipped).
   */
  copyImage?: string | undefined;
  /** Allows the copy check to copy `copyImage` (a billable resource, deleted after its check). */
  allowCopy?: boolean | undefined;
  /**
   * Credentials and a project from the environment (the CLI puts them here, apart from what its
   * flags say): used when the options above do not say, but never against ims-sharing's own
   * fake, whose tenants are its own (a real account's keys would only be refused there, or reach
   * it at all).
   */
  environment?: ContractEnvironment | undefined;
  /** The commands hints print (default: the installed CLI's, `INSTALLED_COMMANDS`). */
  commands?: ContractCommands | undefined;
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
  /**
   * Starts the validating proxy in front of `upstream` (default: Prism's, `prism proxy SPEC
   * UPSTREAM --errors`, stopped when the run ends). For tests that run many upstreams through one
   * Prism: it must forward to `upstream` and validate against `spec` as that does.
   */
  startProxy?: ((upstream: string, spec: string) => Promise<ValidatingProxy>) | undefined;
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

const NO_CREDENTIALS =
  "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or IMS_TOKEN (or --access-key/--secret-key, --token)";

/** The report of one run as it grows, and the result it ends with. */
function createRun(options: ContractOptions) {
  const started = Date.now();
  const lines: string[] = [];
  const checks: CheckResult[] = [];
  const workflows: WorkflowOutcome[] = [];
  const run = {
    checks,
    workflows,
    /** Set once checks ran: the report then ends with the totals. */
    checksRan: false,
    log(text: string) {
      for (const line of text.split("\n")) lines.push(line);
      options.log?.(text);
    },
    finish(verdict: ContractVerdict, closing?: string): ContractRunResult {
      // What a check made and could not remove is the last thing anyone should miss.
      const left = checks.flatMap((c) => c.leftBehind ?? []);
      if (left.length) run.log(`\n‼ Left behind (a copy is billable: delete it yourself):\n${left.map((l) => `  - ${l}`).join("\n")}`);
      // One totals line, checks and workflows together, once anything was checked.
      if (run.checksRan) run.log(`\n${formatTotals(checks, workflows)}`);
      if (closing) run.log(closing);
      return { exitCode: CONTRACT_EXIT[verdict], verdict, report: lines.join("\n"), checks, workflows, ms: Date.now() - started };
    },
  };
  return run;
}
type Run = ReturnType<typeof createRun>;

/** What is known before anything starts: where the upstream is (none: a local fake), the Prism and the spec. */
interface Preflight {
  upstream: string | undefined;
  prism: PrismInstallation;
  spec: string;
  /** The upstream is on this machine (so it may be polled fast, and trusted with plain http). */
  loopback: boolean;
}

/** What is wrong with the copy check's options: a copy is billable, so it takes an image and a flag. */
function copyOptionsProblem({ copyImage, allowCopy }: ContractOptions): string | undefined {
  if (copyImage === undefined) return allowCopy ? "--allow-copy: name the image to copy (--copy-image ID)" : undefined;
  const issues = validate(schemas.ImageId, copyImage, "copy-image");
  if (issues.length) return issues.map((i) => `--${i.path} ${copyImage}: ${i.message}`).join("; ");
  if (!allowCopy)
    return `--copy-image ${copyImage}: a copy is a billable resource (the check deletes it after reading it back): add --allow-copy`;
  return undefined;
}

/** The options checked before anything starts: the preflight, or what is wrong (a usage error). */
function preflight(options: ContractOptions): Preflight | string {
  const { broken } = options;
  if (broken !== undefined && !Object.hasOwn(BROKEN_VARIANTS, broken))
    return `--broken: no variant "${broken}"; one of: ${Object.keys(BROKEN_VARIANTS).join(", ")}`;
  if (broken !== undefined && (options.upstream || options.region))
    return "--broken runs against a local fake: it does not go with --upstream or --region";
  let upstream: string | undefined;
  if (options.upstream || options.region) {
    const { baseUrl, issues } = resolveEndpoint(options.upstream ? { endpoint: options.upstream } : { region: options.region });
    if (!baseUrl) return issues.map((i) => `--${i.path === "endpoint" ? "upstream" : i.path} ${i.message}`).join("; ");
    upstream = options.upstream ? baseUrl : regionEndpoint(options.region!);
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0))
    return `timeout must be a positive number of milliseconds, got ${options.timeoutMs}`;
  const copyProblem = copyOptionsProblem(options);
  if (copyProblem) return copyProblem;
  const iamEndpoint = options.iamEndpoint ?? options.environment?.iamEndpoint;
  if (iamEndpoint !== undefined) {
    const { baseUrl, issues } = baseUrlOf(iamEndpoint, "iam-endpoint", DEFAULT_IAM_ENDPOINT);
    if (!baseUrl) return issues.map((i) => `--${i.path} ${i.message}`).join("; ");
    if (new URL(baseUrl).protocol === "http:" && !isLoopback(new URL(baseUrl).hostname))
      return `--iam-endpoint ${baseUrl}: plain http:// to another machine would send your credentials in clear text; use https://`;
  }
  let prism: PrismInstallation;
  try {
    prism = resolvePrism(options.prismPackage);
  } catch (error) {
    if (error instanceof PrismMissingError) return error.message;
    throw error;
  }
  const spec = options.spec ?? bundledSpecPath();
  if (!spec) return "the bundled spec (dist/openapi.json) is missing: reinstall ims-sharing, or run `npm run build` in a clone";
  const loopback = upstream === undefined || isLoopback(new URL(upstream).hostname);
  // Prism forwards every credential to the upstream, and some checks send them there directly.
  if (!loopback && new URL(upstream!).protocol === "http:")
    return `--upstream ${upstream}: plain http:// to another machine would send your credentials in clear text; use https://`;
  // Only ims-sharing's fake, which can listen on this machine only, may do without credentials:
  // anything else is refused before a request is sent.
  if (!loopback && !options.auth && !options.environment?.auth) return NO_CREDENTIALS;
  return { upstream, prism, spec, loopback };
}

/** The upstream, running and reached: a local fake started for the run, or the one given, probed. */
interface Reached {
  url: string;
  /** A fake this run started. */
  local: boolean;
  /** Set when it is ims-sharing's own fake. */
  fake: FakeIdentity | undefined;
}

async function startUpstream(
  options: ContractOptions,
  given: string | undefined,
  run: Run,
  stops: Array<() => Promise<void>>,
): Promise<Reached | { unreachable: string }> {
  if (given === undefined) {
    const variant = options.broken === undefined ? undefined : BROKEN_VARIANTS[options.broken];
    // With credentials to verify, the fake refuses wrong signatures as the gateway does.
    const fake = await startFakeIms({
      jobDurationMs: options.jobDurationMs ?? 200,
      credentials: { HPUACONTRACTRUNKEY0001: { secretKey: `contract-run-${Math.random().toString(36).slice(2)}` } },
      ...(variant ? { transform: variant.transform } : {}),
    });
    stops.push(() => fake.close());
    const broken = variant ? `, broken on purpose (${options.broken}: ${variant.description})` : "";
    run.log(`Upstream: a local fake IMS at ${fake.url}${broken}, with its own tenants and seed images`);
    return { url: fake.url, local: true, fake: { version: "", verifiesSignatures: true } };
  }
  run.log(`Upstream: ${given}`);
  const probe = await probeUpstream(given);
  if (probe.unreachable) return { unreachable: probe.unreachable };
  const { fake } = probe;
  if (fake) {
    const ignored = Object.keys(options.environment ?? {}).length
      ? "; credentials and project IDs from the environment are not used against it"
      : "";
    const signatures = fake.verifiesSignatures ? "verified" : "unchecked";
    const header = `X-Ims-Fake: ims-sharing ${fake.version}; signatures=${signatures}`;
    run.log(
      `  it says it is ims-sharing's own fake IMS (${header}): its tenants, tokens and seed images are used where you name none${ignored}`,
    );
  } else if (isLoopback(new URL(given).hostname)) {
    run.log(
      "  it does not say it is ims-sharing's fake IMS (no X-Ims-Fake header): " +
        "it is treated as a real IMS, written to only on what you name",
    );
  }
  return { url: given, local: false, fake };
}

/**
 * Who the checks act as, and on what. The fake's world only for the fake; anything else gets what
 * the user gave, and writes only on what the user named. The local fake ignores both: it is a
 * world of its own.
 */
function worldFor(options: ContractOptions, local: boolean, fake: FakeIdentity | undefined): WorkflowWorld | undefined {
  const given: ContractOptions = local ? {} : options;
  const environment = local || fake ? {} : (options.environment ?? {});
  const auth = given.auth ?? environment.auth ?? (fake ? { token: OWNER_TOKEN } : undefined);
  if (!auth) return undefined;
  const fakeRecipient = fake ? { auth: { token: RECIPIENT_TOKEN }, projectId: RECIPIENT_PROJECT } : undefined;
  return {
    auth,
    projectId: given.projectId ?? environment.projectId ?? (fake ? OWNER_PROJECT : undefined),
    images: given.images ?? (fake ? [...SEED_IMAGES] : []),
    memberProjects: given.memberProjects ?? (fake ? [SEED_PROJECTS[0]] : []),
    recipient: given.recipient ?? environment.recipient ?? fakeRecipient,
  };
}

/** The report's line on what the writes will change. */
function writesLine({ images, memberProjects, recipient }: WorkflowWorld, copyImage: string | undefined): string {
  const writes = [
    images.length && memberProjects.length ? `share then unshare ${images.join(", ")} with ${memberProjects.join(", ")}` : "",
    images.length && recipient ? `the two-tenant round trip on ${images.at(-1)} with ${recipient.projectId}` : "",
    copyImage ? `copy ${copyImage}, then delete the copy` : "",
  ].filter(Boolean);
  return `Writes: ${writes.join("; ") || "none (read-only)"}\n`;
}

/**
 * IAM's upstream: the one given (never to the local fake, a world of its own, nor the
 * environment's to a fake); else ims-sharing's fake itself, which serves IAM on its own port;
 * else, for a region, IAM's global endpoint (the official SDKs' default); else none.
 */
function iamUpstreamFor(options: ContractOptions, upstream: Reached): string | undefined {
  const given = upstream.local ? undefined : (options.iamEndpoint ?? (upstream.fake ? undefined : options.environment?.iamEndpoint));
  if (given !== undefined) return baseUrlOf(given, "iam-endpoint", DEFAULT_IAM_ENDPOINT).baseUrl;
  if (upstream.fake) return upstream.url;
  return options.region ? DEFAULT_IAM_ENDPOINT : undefined;
}

/** The image the copy check copies: the one the user named and allowed (preflight); the fake's own seed image against the fake. */
function copyImageFor(options: ContractOptions, upstream: Reached): string | undefined {
  if (upstream.local) return SEED_IMAGES[0];
  return options.allowCopy && options.copyImage ? options.copyImage : upstream.fake ? SEED_IMAGES[0] : undefined;
}

/**
 * IAM's side of the target: behind the IMS proxy when one upstream answers both (the fake), else
 * behind a validating proxy of its own; none when there is no IAM to check.
 */
async function iamTarget(
  options: ContractOptions,
  pre: Preflight,
  upstream: Reached,
  proxy: ValidatingProxy,
  run: Run,
  stops: Array<() => Promise<void>>,
): Promise<ContractTarget["iam"]> {
  const iam = iamUpstreamFor(options, upstream);
  if (iam === undefined) {
    run.log("IAM: none given, so its checks are skipped (--iam-endpoint URL)");
    return undefined;
  }
  const signingHost = new URL(iam).host;
  if (iam === upstream.url) return { baseUrl: proxy.url, upstream: iam, signingHost };
  const own = await startProxy(options, pre, iam, run, stops, "IAM's validating proxy");
  return { baseUrl: own.url, upstream: iam, signingHost };
}

/** The checks' target: the proxy in front of the upstream, and how patient to be with it. */
function targetFor(options: ContractOptions, pre: Preflight, world: WorkflowWorld, proxy: string, upstream: Reached): ContractTarget {
  const { fake } = upstream;
  const loopback = isLoopback(new URL(upstream.url).hostname);
  // On this machine polling fast costs nothing; a real endpoint gets the client's own schedule.
  const poll: PollOptions | undefined = loopback ? { initialDelayMs: 100, growth: 0.1, maxDelayMs: 500 } : undefined;
  return {
    ...world,
    images: [...world.images],
    memberProjects: [...world.memberProjects],
    baseUrl: proxy,
    upstream: upstream.url,
    signingHost: new URL(upstream.url).host,
    spec: pre.spec,
    ...(options.region && !upstream.local ? { region: options.region } : {}),
    jobs: options.jobs,
    timeoutMs: options.timeoutMs ?? (fake ? 15_000 : 300_000),
    requestTimeoutMs: loopback ? 10_000 : 30_000,
    readBackMs: loopback ? 1_000 : 10_000,
    ...(poll ? { poll } : {}),
    ...(fake ? { fake: { verifiesSignatures: fake.verifiesSignatures } } : {}),
    verifyingFakeCommand: (options.commands ?? INSTALLED_COMMANDS).verifyingFake,
  };
}

/** Starts the validating proxy in front of the upstream, and says so. */
async function startProxy(
  options: ContractOptions,
  pre: Preflight,
  upstream: string,
  run: Run,
  stops: Array<() => Promise<void>>,
  what = "Validating proxy",
) {
  const start = options.startProxy ?? ((to, spec) => startPrism({ mode: "proxy", spec, upstream: to, prism: pre.prism }));
  const proxy = await start(upstream, pre.spec);
  stops.push(() => proxy.stop());
  const relative = path.relative(process.cwd(), pre.spec);
  run.log(`${what}: ${proxy.url} → ${upstream} (Prism ${pre.prism.version}, spec ${relative.startsWith("..") ? pre.spec : relative})`);
  return proxy;
}

/** The checks and workflows against the proxy, and the verdict. */
async function check(options: ContractOptions, run: Run, target: ContractTarget, world: WorkflowWorld): Promise<ContractRunResult> {
  run.checksRan = true;
  await runContractChecks(target, {
    signal: options.signal,
    onResult: (result) => {
      run.checks.push(result);
      run.log(formatResult(result));
    },
  });
  if (options.signal?.aborted) return run.finish("interrupted", "\nInterrupted.");
  const unreachable = run.checks.find((r) => r.unreachable)?.unreachable;
  const failedChecks = run.checks.filter((r) => !r.ok && !r.unreachable).length;
  run.log("");
  const { outcomes, interrupted } = await runWorkflows({
    server: target.baseUrl,
    world,
    skipAll:
      options.workflows === false
        ? "--no-workflows"
        : failedChecks
          ? "the checks already found the contract broken"
          : unreachable
            ? "the upstream is unreachable"
            : undefined,
    timeoutMs: (target.timeoutMs ?? 300_000) * 4,
    signal: options.signal,
    log: (text) => run.log(text),
  });
  run.workflows.push(...outcomes);
  if (interrupted) return run.finish("interrupted", "\nInterrupted.");
  const failed = failedChecks + outcomes.filter((w) => !w.ok).length;
  if (failed) return run.finish("broken", `\nThe upstream breaks the contract: ${failed} failed (see ✖ above).`);
  if (unreachable) return run.finish("unreachable", `\nThe upstream became unreachable (${unreachable}): no verdict on the contract.`);
  return run.finish("kept", "\nThe upstream keeps the contract.");
}

/**
 * Runs the contract suite. Whatever a person can fix (usage, Prism missing, an unreachable
 * upstream, a broken contract) is an exit code and the report's last lines; it throws only when
 * something of its own fails (Prism does not start). Everything it started is stopped before it
 * returns.
 */
export async function runContract(options: ContractOptions = {}): Promise<ContractRunResult> {
  const run = createRun(options);
  const pre = preflight(options);
  if (typeof pre === "string") return run.finish("usage", pre);
  const stops: Array<() => Promise<void>> = [];
  try {
    const upstream = await startUpstream(options, pre.upstream, run, stops);
    if ("unreachable" in upstream)
      return run.finish("unreachable", `\nThe upstream is unreachable (${upstream.unreachable}): no verdict on the contract.`);
    if (options.signal?.aborted) return run.finish("interrupted", "\nInterrupted.");
    const world = worldFor(options, upstream.local, upstream.fake);
    if (!world) return run.finish("usage", NO_CREDENTIALS);
    // Images the user named must exist: a check cannot judge an upstream by an image that is not there.
    const named = upstream.local ? undefined : options.images;
    if (named?.length && world.projectId) {
      const unusable = await unusableImages({
        upstream: upstream.url,
        ...world,
        projectId: world.projectId,
        images: named,
        signal: options.signal,
      });
      if (unusable.length)
        return run.finish("usage", `${unusable.join("\n")}\nName images your project owns (--image), or none for a read-only run.`);
    }
    const copyImage = copyImageFor(options, upstream);
    const invisible =
      upstream.fake || !copyImage ? undefined : await invisibleImage({ upstream: upstream.url, ...world, image: copyImage });
    if (invisible) return run.finish("usage", `${invisible}\nName an image you can see (--copy-image), or none.`);
    const proxy = await startProxy(options, pre, upstream.url, run, stops);
    const iam = await iamTarget(options, pre, upstream, proxy, run, stops);
    run.log(writesLine(world, copyImage));
    const target = { ...targetFor(options, pre, world, proxy.url, upstream), ...(iam ? { iam } : {}), ...(copyImage ? { copyImage } : {}) };
    return await check(options, run, target, world);
  } finally {
    await Promise.allSettled(stops.reverse().map((stop) => stop()));
  }
}
