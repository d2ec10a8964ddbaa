/**
 * The whole contract run as one library function, `runContract(options)`: what
 * `npm run contract` (scripts/contract.mjs) and `ims-sharing contract` both call. It starts what
 * it needs (a local fake IMS unless given an upstream; Prism's validating proxy in front, with
 * the package's own bundled spec), runs the checks and, from a clone, the Arazzo workflows, stops
 * everything, and answers with an exit code and the report.
 *
 * The fake's world (its tokens, tenants and seed images, which the writes change) is used only
 * when the upstream is positively ims-sharing's own fake: one this run started, or one whose
 * answers say so (`X-Ims-Fake`, see fake/identity.ts). Never because of its address: a loopback
 * port may be a tunnel to a real account, which gets writes only on what the user names.
 *
 * Exit codes: 0 the upstream keeps the contract; 1 it breaks it (a real violation, nothing
 * else); 2 a usage error (Prism missing, no credentials, an image named that does not exist);
 * 3 the upstream cannot be reached (nothing listening, DNS, TLS): no verdict. A check that
 * cannot be judged against this upstream is skipped, saying why and how to make it judgeable.
 */
import { parseArgs } from "node:util";
import path from "node:path";
import type { ImsAuth } from "../auth.js";
import { parseDuration } from "../duration.js";
import { createImsClient } from "../client.js";
import { isLoopback, regionEndpoint, resolveEndpoint } from "../endpoint.js";
import { ImsApiError } from "../errors.js";
import {
  FAKE_HEADER,
  OWNER_PROJECT,
  OWNER_TOKEN,
  parseFakeIdentity,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  SEED_PROJECTS,
  startFakeIms,
  type FakeIdentity,
} from "../fake/index.js";
import type { PollOptions } from "../wait.js";
import { BROKEN_VARIANTS } from "./broken.js";
import type { CheckResult, ContractRecipient, ContractTarget } from "./context.js";
import { formatResult, formatTotals } from "./report.js";
import { runContractChecks } from "./runner.js";
import { failureText, isUnreachable } from "./observe.js";
import { PRISM_INSTALL, PrismMissingError, resolvePrism, startPrism, type PrismInstallation } from "./prism.js";
import { runWorkflow, workflowsDir, workflowsUnavailable } from "./respect.js";
import { bundledSpecPath } from "./spec.js";

/** What each exit code means. */
export const CONTRACT_EXIT = { kept: 0, broken: 1, usage: 2, unreachable: 3, interrupted: 130 } as const;
export type ContractVerdict = keyof typeof CONTRACT_EXIT;

/**
 * How the user runs the suite and the fake, for the commands help and hints print: the installed
 * CLI's by default; a clone's scripts pass their own (`npm run contract --`, `npm run fake`).
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
   * Credentials and a project from the environment (`parseContractArgs` puts them here): used
   * when the options above do not say, but never against ims-sharing's own fake, whose tenants
   * are its own (a real account's keys would only be refused there, or reach it at all).
   */
  environment?: ContractEnvironment | undefined;
  /** The commands help and hints print (default: the installed CLI's, `INSTALLED_COMMANDS`). */
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

/** The suite's help, with the commands the user runs. */
export function contractHelp(commands: ContractCommands = INSTALLED_COMMANDS): string {
  return `Usage: ${commands.contract} [options]

Runs the contract suite through Stoplight Prism's validating proxy (prism proxy --errors) against
an upstream: every request and answer is checked against the spec bundled with the package, the
first violation ends a check, every change is read back.

  --upstream URL                 the IMS endpoint to check (default: a local fake IMS, with its
                                 own tenants and seed images: credentials and IDs are not used)
  --region R                     or the regional endpoint https://ims.R.myhuaweicloud.com
  --project-id P                 your project ID             ($HUAWEICLOUD_SDK_PROJECT_ID)
  --image ID                     an image of yours the checks may share and unshare, and whose
                                 members they list (repeatable); it must exist
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
  --timeout DURATION             how long a job may take (default 5m; 15s against a fake)
  --no-workflows                 do not run the Arazzo workflows
  --broken NAME                  against a local fake broken on purpose (see --list-broken)
  --list-broken                  list the broken variants

Read-only by default: against a real account only reads and harmless negative requests (no
credentials, a wrong signature, an unknown job, an invalid body, an unknown image) run. Writes
run only on the images and projects you name: with --image and --member-project, the images
are shared with the projects, then unshared; with --image and a recipient, the two-tenant round
trip runs. That holds for a loopback upstream too (it may be a tunnel to a real account), unless
it is ims-sharing's own fake, which says so on every answer (X-Ims-Fake): then its tenants,
tokens and seed images are used, and credentials from the environment are not. A fake started
without signature checking accepts any signature, so the wrong-signature check is skipped
against it; start one that checks with: ${commands.verifyingFake}

Needs Stoplight Prism, an optional peer dependency: ${PRISM_INSTALL}

Exit codes: 0 the upstream keeps the contract, 1 it breaks it, 2 usage error (Prism missing, no
credentials, an image named that does not exist), 3 the upstream is unreachable (nothing
listening, DNS failure, TLS error): no verdict.`;
}

/** The installed CLI's help (`ims-sharing contract --help`). */
export const CONTRACT_HELP = contractHelp();

/** What the command line asks for. */
export type ParsedContractArgs =
  | { kind: "run"; options: ContractOptions }
  | { kind: "help"; text: string }
  | { kind: "list-broken"; text: string }
  | { kind: "usage"; message: string };

type Env = Record<string, string | undefined>;

/** Credentials from flags, then the environment; AK/SK wins over a token. */
function credentials(
  flags: { accessKey?: string | undefined; secretKey?: string | undefined; securityToken?: string | undefined; token?: string | undefined },
  who: string,
): ImsAuth | string | undefined {
  const { accessKey, secretKey, securityToken, token } = flags;
  if (accessKey || secretKey) {
    if (!accessKey || !secretKey) return `${who}: an access key needs its secret key, and a secret key its access key`;
    return { accessKey, secretKey, ...(securityToken ? { securityToken } : {}) };
  }
  return token ? { token } : undefined;
}

/**
 * Parses `ims-sharing contract` / `npm run contract --` arguments. What the environment holds
 * (credentials, projects) goes to `options.environment`, so that flags win and a fake's own
 * world is not mixed with a real account's. `commands` are those help and hints print.
 */
export function parseContractArgs(
  argv: readonly string[],
  env: Env = {},
  commands: ContractCommands = INSTALLED_COMMANDS,
): ParsedContractArgs {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        upstream: { type: "string" },
        region: { type: "string" },
        "project-id": { type: "string" },
        image: { type: "string", multiple: true },
        "member-project": { type: "string", multiple: true },
        job: { type: "string", multiple: true },
        "access-key": { type: "string" },
        "secret-key": { type: "string" },
        "security-token": { type: "string" },
        token: { type: "string" },
        "recipient-project-id": { type: "string" },
        "recipient-access-key": { type: "string" },
        "recipient-secret-key": { type: "string" },
        "recipient-security-token": { type: "string" },
        "recipient-token": { type: "string" },
        timeout: { type: "string" },
        "no-workflows": { type: "boolean" },
        broken: { type: "string" },
        "list-broken": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return { kind: "usage", message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: "help", text: contractHelp(commands) };
  if (values["list-broken"]) {
    return {
      kind: "list-broken",
      text: Object.entries(BROKEN_VARIANTS)
        .map(([name, v]) => `${name.padEnd(28)} ${v.description}`)
        .join("\n"),
    };
  }
  const str = (name: string) => (typeof values[name] === "string" && values[name] !== "" ? (values[name] as string) : undefined);
  const list = (name: string) => (Array.isArray(values[name]) ? (values[name] as string[]) : undefined);
  const options: ContractOptions = commands === INSTALLED_COMMANDS ? {} : { commands };
  const environment: ContractEnvironment = {};
  const set = <K extends keyof ContractOptions>(key: K, value: ContractOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("upstream", str("upstream"));
  set("region", str("region"));
  set("broken", str("broken"));
  set("projectId", str("project-id"));
  if (env.HUAWEICLOUD_SDK_PROJECT_ID) environment.projectId = env.HUAWEICLOUD_SDK_PROJECT_ID;
  set("images", list("image"));
  set("memberProjects", list("member-project"));
  set("jobs", list("job"));
  if (values["no-workflows"]) options.workflows = false;
  if (str("timeout") !== undefined) {
    const ms = parseDuration(str("timeout")!);
    if (ms === undefined) return { kind: "usage", message: `--timeout: "${str("timeout")}" is not a duration (try 90s or 5m)` };
    options.timeoutMs = ms;
  }
  const fromFlags = credentials(
    { accessKey: str("access-key"), secretKey: str("secret-key"), securityToken: str("security-token"), token: str("token") },
    "--access-key/--secret-key",
  );
  const fromEnv = credentials(
    {
      accessKey: env.HUAWEICLOUD_SDK_AK || undefined,
      secretKey: env.HUAWEICLOUD_SDK_SK || undefined,
      securityToken: env.HUAWEICLOUD_SDK_SECURITY_TOKEN || undefined,
      token: env.IMS_TOKEN || undefined,
    },
    "HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK",
  );
  if (typeof fromFlags === "string") return { kind: "usage", message: fromFlags };
  set("auth", fromFlags);
  if (fromFlags === undefined) {
    if (typeof fromEnv === "string") return { kind: "usage", message: fromEnv };
    if (fromEnv) environment.auth = fromEnv;
  }
  // The recipient: its project and credentials from flags, or else both from the environment.
  const recipientFlags = credentials(
    {
      accessKey: str("recipient-access-key"),
      secretKey: str("recipient-secret-key"),
      securityToken: str("recipient-security-token"),
      token: str("recipient-token"),
    },
    "--recipient-access-key/--recipient-secret-key",
  );
  if (typeof recipientFlags === "string") return { kind: "usage", message: recipientFlags };
  const recipientEnv = credentials(
    {
      accessKey: env.HUAWEICLOUD_SDK_RECIPIENT_AK || undefined,
      secretKey: env.HUAWEICLOUD_SDK_RECIPIENT_SK || undefined,
      securityToken: env.HUAWEICLOUD_SDK_RECIPIENT_SECURITY_TOKEN || undefined,
      token: env.IMS_RECIPIENT_TOKEN || undefined,
    },
    "HUAWEICLOUD_SDK_RECIPIENT_AK/HUAWEICLOUD_SDK_RECIPIENT_SK",
  );
  const recipientProjectFlag = str("recipient-project-id");
  const recipientAuth = recipientFlags ?? recipientEnv;
  if (typeof recipientAuth === "string") return { kind: "usage", message: recipientAuth };
  const recipientProject = recipientProjectFlag ?? (env.HUAWEICLOUD_SDK_RECIPIENT_PROJECT_ID || undefined);
  if (recipientAuth && !recipientProject)
    return {
      kind: "usage",
      message: "the recipient's credentials need its project ID: --recipient-project-id (or HUAWEICLOUD_SDK_RECIPIENT_PROJECT_ID)",
    };
  if (recipientProject && !recipientAuth) {
    return {
      kind: "usage",
      message:
        "the recipient's project needs its credentials: --recipient-token or --recipient-access-key/--recipient-secret-key (or IMS_RECIPIENT_TOKEN, HUAWEICLOUD_SDK_RECIPIENT_AK/_SK)",
    };
  }
  if (recipientAuth && recipientProject) {
    const recipient = { auth: recipientAuth, projectId: recipientProject };
    // Named on the command line (either half) it is the user's choice; else the environment's.
    if (recipientFlags !== undefined || recipientProjectFlag !== undefined) options.recipient = recipient;
    else environment.recipient = recipient;
  }
  if (Object.keys(environment).length) options.environment = environment;
  return { kind: "run", options };
}

/** What a first request to the upstream found. */
export interface UpstreamProbe {
  /** Why nothing answers (refused, DNS, TLS, no answer in time); undefined when something does. */
  unreachable?: string | undefined;
  /** Set when the answer says it comes from ims-sharing's own fake IMS (`X-Ims-Fake`). */
  fake?: FakeIdentity | undefined;
}

/**
 * Whether anything answers at `url` (any HTTP answer will do), and whether it is ims-sharing's
 * own fake: asked of the upstream itself, not through Prism, with no credentials.
 */
export async function probeUpstream(url: string, timeoutMs = 10_000): Promise<UpstreamProbe> {
  try {
    const response = await fetch(url, { method: "GET", redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    const fake = parseFakeIdentity(response.headers.get(FAKE_HEADER));
    return fake ? { fake } : {};
  } catch (error) {
    const text = failureText(error);
    if (error instanceof DOMException && error.name === "TimeoutError")
      return { unreachable: `no answer from ${url} within ${Math.round(timeoutMs / 1000)} s` };
    const kind = /ENOTFOUND|EAI_AGAIN/.test(text)
      ? "DNS lookup failed"
      : /ECONNREFUSED/.test(text)
        ? "nothing is listening"
        : /CERT|SSL|TLS|EPROTO|self[- ]signed|wrong version number|unable to (verify|get)/i.test(text)
          ? "TLS error"
          : isUnreachable(text)
            ? "the connection failed"
            : "the request failed";
    return { unreachable: `${kind}: ${url}: ${text}` };
  }
}

/**
 * The named images that cannot be used, each with why: asked of the upstream itself (past Prism,
 * so nothing here is a contract exchange) by listing one member. A 404, or IMS's codes for an
 * image that does not exist, means it does not; IMG.0047 that it is someone else's. Anything
 * else (refused credentials, a 5xx, a lost answer) is for the checks to judge.
 */
async function unusableImages(
  upstream: string,
  auth: ImsAuth,
  projectId: string,
  images: readonly string[],
  signal?: AbortSignal,
): Promise<string[]> {
  const ims = createImsClient({ endpoint: upstream, auth, projectId, retry: false, requestTimeoutMs: 30_000, allowInsecureHttp: true });
  const problems: string[] = [];
  for (const image of images) {
    try {
      await ims.call("listImageMembers", { path: { image_id: image }, query: { limit: 1 } }, { signal });
    } catch (error) {
      if (!(error instanceof ImsApiError)) continue;
      const answer = `${error.status}${error.code ? ` ${error.code}` : ""}`;
      if (error.status === 404 || error.code === "IMG.0027" || error.code === "IMG.0144") {
        problems.push(
          `--image ${image}: there is no such image in project ${projectId} (GET …/cloudimages/${image}/members answered ${answer})`,
        );
      } else if (error.code === "IMG.0047") {
        problems.push(
          `--image ${image}: the image is not project ${projectId}'s own (GET …/cloudimages/${image}/members answered ${answer}); the checks share and unshare only images you own`,
        );
      }
    }
  }
  return problems;
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
  const commands = options.commands ?? INSTALLED_COMMANDS;
  const lines: string[] = [];
  const log = (text: string) => {
    for (const line of text.split("\n")) lines.push(line);
    options.log?.(text);
  };
  const checks: CheckResult[] = [];
  const workflows: WorkflowOutcome[] = [];
  const stops: Array<() => Promise<void>> = [];
  let checksRan = false;
  const finish = (verdict: ContractVerdict, closing?: string): ContractRunResult => {
    // One totals line, checks and workflows together, once anything was checked.
    if (checksRan) log(`\n${formatTotals(checks, workflows)}`);
    if (closing) log(closing);
    return { exitCode: CONTRACT_EXIT[verdict], verdict, report: lines.join("\n"), checks, workflows, ms: Date.now() - started };
  };
  const usage = (message: string) => finish("usage", message);

  // ---- What to run against, checked before anything starts. ----
  if (options.broken !== undefined && !Object.hasOwn(BROKEN_VARIANTS, options.broken)) {
    return usage(`--broken: no variant "${options.broken}"; one of: ${Object.keys(BROKEN_VARIANTS).join(", ")}`);
  }
  if (options.broken !== undefined && (options.upstream || options.region))
    return usage("--broken runs against a local fake: it does not go with --upstream or --region");
  let upstream: string | undefined;
  if (options.upstream || options.region) {
    const { baseUrl, issues } = resolveEndpoint(options.upstream ? { endpoint: options.upstream } : { region: options.region });
    if (!baseUrl) return usage(issues.map((i) => `--${i.path === "endpoint" ? "upstream" : i.path} ${i.message}`).join("; "));
    upstream = options.upstream ? baseUrl : regionEndpoint(options.region!);
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0))
    return usage(`timeout must be a positive number of milliseconds, got ${options.timeoutMs}`);
  let prism: PrismInstallation;
  try {
    prism = resolvePrism(options.prismPackage);
  } catch (error) {
    if (error instanceof PrismMissingError) return usage(error.message);
    throw error;
  }
  const spec = options.spec ?? bundledSpecPath();
  if (!spec) return usage("the bundled spec (dist/openapi.json) is missing: reinstall ims-sharing, or run `npm run build` in a clone");

  const local = upstream === undefined;
  const loopback = local || isLoopback(new URL(upstream!).hostname);
  // Prism forwards every credential to the upstream, and some checks send them there directly.
  if (!loopback && new URL(upstream!).protocol === "http:") {
    return usage(`--upstream ${upstream}: plain http:// to another machine would send your credentials in clear text; use https://`);
  }
  const noCredentials =
    "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or IMS_TOKEN (or --access-key/--secret-key, --token)";
  // Only ims-sharing's fake, which can listen on this machine only, may do without credentials:
  // anything else is refused before a request is sent.
  if (!local && !loopback && !options.auth && !options.environment?.auth) return usage(noCredentials);

  try {
    // ---- The upstream, and whether it is ims-sharing's own fake. ----
    let fake: FakeIdentity | undefined;
    if (local) {
      const variant = options.broken === undefined ? undefined : BROKEN_VARIANTS[options.broken];
      // With credentials to verify, the fake refuses wrong signatures as the gateway does.
      const started = await startFakeIms({
        jobDurationMs: options.jobDurationMs ?? 200,
        credentials: { HPUACONTRACTRUNKEY0001: { secretKey: `contract-run-${Math.random().toString(36).slice(2)}` } },
        ...(variant ? { transform: variant.transform } : {}),
      });
      stops.push(() => started.close());
      upstream = started.url;
      fake = { version: "", verifiesSignatures: true };
      log(
        `Upstream: a local fake IMS at ${started.url}${variant ? `, broken on purpose (${options.broken}: ${variant.description})` : ""}, with its own tenants and seed images`,
      );
    } else {
      log(`Upstream: ${upstream}`);
      const probe = await probeUpstream(upstream!);
      if (probe.unreachable)
        return finish("unreachable", `\nThe upstream is unreachable (${probe.unreachable}): no verdict on the contract.`);
      fake = probe.fake;
      if (fake) {
        const ignored = Object.keys(options.environment ?? {}).length
          ? "; credentials and project IDs from the environment are not used against it"
          : "";
        log(
          `  it says it is ims-sharing's own fake IMS (X-Ims-Fake: ims-sharing ${fake.version}; signatures=${fake.verifiesSignatures ? "verified" : "unchecked"}): its tenants, tokens and seed images are used where you name none${ignored}`,
        );
      } else if (loopback) {
        log(
          "  it does not say it is ims-sharing's fake IMS (no X-Ims-Fake header): it is treated as a real IMS, written to only on what you name",
        );
      }
    }
    if (options.signal?.aborted) return finish("interrupted", "\nInterrupted.");

    // The fake's world only for the fake; anything else gets what the user gave, and writes only
    // on what the user named. The local fake ignores both: it is a world of its own.
    const given: ContractOptions = local ? {} : options;
    const environment = local || fake ? {} : (options.environment ?? {});
    const auth = given.auth ?? environment.auth ?? (fake ? { token: OWNER_TOKEN } : undefined);
    if (!auth) return usage(noCredentials);
    const projectId = given.projectId ?? environment.projectId ?? (fake ? OWNER_PROJECT : undefined);
    const images = given.images ?? (fake ? [...SEED_IMAGES] : []);
    const memberProjects = given.memberProjects ?? (fake ? [SEED_PROJECTS[0]] : []);
    const recipient =
      given.recipient ?? environment.recipient ?? (fake ? { auth: { token: RECIPIENT_TOKEN }, projectId: RECIPIENT_PROJECT } : undefined);

    // Images the user named must exist: a check cannot judge an upstream by an image that is not there.
    if (given.images?.length && projectId) {
      const unusable = await unusableImages(upstream!, auth, projectId, given.images, options.signal);
      if (unusable.length) return usage(`${unusable.join("\n")}\nName images your project owns (--image), or none for a read-only run.`);
    }

    // ---- Prism in front of it. ----
    const proxy = await startPrism({ mode: "proxy", spec, upstream: upstream!, prism });
    stops.push(() => proxy.stop());
    log(
      `Validating proxy: ${proxy.url} → ${upstream} (Prism ${prism.version}, spec ${path.relative(process.cwd(), spec).startsWith("..") ? spec : path.relative(process.cwd(), spec)})`,
    );
    log(
      `Writes: ${
        [
          images.length && memberProjects.length ? `share then unshare ${images.join(", ")} with ${memberProjects.join(", ")}` : "",
          images.length && recipient ? `the two-tenant round trip on ${images.at(-1)} with ${recipient.projectId}` : "",
        ]
          .filter(Boolean)
          .join("; ") || "none (read-only)"
      }\n`,
    );

    // On this machine polling fast costs nothing; a real endpoint gets the client's own schedule.
    const poll: PollOptions | undefined = loopback ? { initialDelayMs: 100, growth: 0.1, maxDelayMs: 500 } : undefined;
    const target: ContractTarget = {
      baseUrl: proxy.url,
      upstream,
      auth,
      projectId,
      signingHost: new URL(upstream!).host,
      spec,
      images,
      memberProjects,
      recipient,
      jobs: options.jobs,
      timeoutMs: options.timeoutMs ?? (fake ? 15_000 : 300_000),
      requestTimeoutMs: loopback ? 10_000 : 30_000,
      readBackMs: loopback ? 1_000 : 10_000,
      ...(poll ? { poll } : {}),
      ...(fake ? { fake: { verifiesSignatures: fake.verifiesSignatures } } : {}),
      verifyingFakeCommand: commands.verifyingFake,
    };
    checksRan = true;
    await runContractChecks(target, {
      signal: options.signal,
      onResult: (result) => {
        checks.push(result);
        log(formatResult(result));
      },
    });
    if (options.signal?.aborted) return finish("interrupted", "\nInterrupted.");
    const unreachable = checks.find((r) => r.unreachable)?.unreachable;
    let failed = checks.filter((r) => !r.ok && !r.unreachable).length;

    // ---- The Arazzo workflows, from a clone. ----
    const needsTokens = (a: ImsAuth | undefined) => a !== undefined && "token" in a;
    const skipAll =
      options.workflows === false
        ? "--no-workflows"
        : failed
          ? "the checks already found the contract broken"
          : unreachable
            ? "the upstream is unreachable"
            : workflowsUnavailable();
    const dir = workflowsDir();
    const plans: Array<{ id: keyof typeof WORKFLOWS; skip?: string | undefined; inputs: () => Record<string, unknown> }> = [
      {
        id: "unshareImage",
        skip: !needsTokens(auth)
          ? "it authenticates with an IAM token (IMS_TOKEN)"
          : !(images.length && memberProjects.length && projectId)
            ? "it changes sharing: name an image and a member project (--image, --member-project)"
            : undefined,
        inputs: () => ({ token: (auth as { token: string }).token, image: images[0], project: memberProjects[0], ownerProject: projectId }),
      },
      ...(["shareAcceptListUnshare", "rejectThenAcceptLater"] as const).map((id) => ({
        id,
        skip: !recipient
          ? "it needs a second tenant (--recipient-*)"
          : !needsTokens(auth) || !needsTokens(recipient.auth)
            ? "it authenticates both tenants with IAM tokens (IMS_TOKEN, IMS_RECIPIENT_TOKEN)"
            : !(images.length && projectId)
              ? "it changes sharing: name an image (--image)"
              : undefined,
        inputs: () => ({
          ownerToken: (auth as { token: string }).token,
          recipientToken: (recipient!.auth as { token: string }).token,
          image: images.at(-1),
          ownerProject: projectId,
          recipientProject: recipient!.projectId,
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
        workflow: path.join(dir!, WORKFLOWS[plan.id]),
        server: proxy.url,
        inputs: plan.inputs(),
        timeoutMs: (target.timeoutMs ?? 300_000) * 4,
        signal: options.signal,
      });
      const outcome: WorkflowOutcome = { name, ok: run.ok, ms: Date.now() - t, ...(run.ok ? {} : { output: run.output }) };
      workflows.push(outcome);
      log(
        `${run.ok ? "✔" : "✖"} ${name}: ${run.steps.passed} steps passed, ${run.steps.failed} failed (${(outcome.ms / 1000).toFixed(1)} s)`,
      );
      if (!run.ok) {
        failed++;
        log(
          run.output
            .split("\n")
            .filter((l) => l.trim())
            .map((l) => `    ${l}`)
            .join("\n"),
        );
      }
    }

    if (failed) return finish("broken", `\nThe upstream breaks the contract: ${failed} failed (see ✖ above).`);
    if (unreachable) return finish("unreachable", `\nThe upstream became unreachable (${unreachable}): no verdict on the contract.`);
    return finish("kept", "\nThe upstream keeps the contract.");
  } finally {
    await Promise.allSettled(stops.reverse().map((stop) => stop()));
  }
}
