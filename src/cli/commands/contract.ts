/**
 * `ims-sharing contract`: the contract suite (src/contract/run.ts's `runContract`) as an ordinary
 * command of the table. Its flags are declared here (so its help and completion are made as every
 * command's), its credentials resolved by src/environment.ts's one rule (a flag beats any
 * variable; an IAM token and AK/SK together are refused), and it builds the `ContractOptions`
 * the suite runs with. What the environment holds (credentials, projects) goes to
 * `options.environment`, kept apart from what the flags say, so that the suite never uses it
 * against ims-sharing's own fake. A clone's `npm run contract --` is the same command, made by
 * `contractCommand` with the clone's command names.
 */
import type { ImsAuth } from "../../auth.js";
import { ciOptionsProblem, type CiOptions } from "../../contract/ci-options.js";
import type { ContractCommands, ContractOptions } from "../../contract/run.js";
import { PRISM_INSTALL } from "../../contract/prism.js";
import { durationProblem, parseDuration } from "../../duration.js";
import { credentialsFromEnv, resolveCredentials, type CredentialFlags, type CredentialNames } from "../../environment.js";
import { CONNECTION_FLAGS, defaultInvocation, invocation } from "../framework/flags.js";
import { defineCommand, type Command, type FlagValues, type Flags } from "../framework/types.js";
import { EXIT } from "../output/exit-codes.js";
import { UsageError } from "../output/usage-error.js";
import { FAKE_COMMAND, VERIFY_SIGNATURES } from "./fake.js";

type Env = Readonly<Record<string, string | undefined>>;
type Recipient = NonNullable<ContractOptions["recipient"]>;
type Environment = NonNullable<ContractOptions["environment"]>;

/** The second tenant, for the two-tenant round trip: its project and credentials, each also from a variable. */
const RECIPIENT_FLAGS = {
  "recipient-project-id": {
    type: "string",
    value: "P",
    env: "HUAWEICLOUD_SDK_RECIPIENT_PROJECT_ID",
    help: "a second tenant for the two-tenant round trip (share → accept → reject → unshare): its project",
  },
  "recipient-access-key": {
    type: "string",
    value: "AK",
    env: "HUAWEICLOUD_SDK_RECIPIENT_AK",
    help: "the second tenant's AK/SK: the access key",
  },
  "recipient-secret-key": {
    type: "string",
    value: "SK",
    env: "HUAWEICLOUD_SDK_RECIPIENT_SK",
    help: "the second tenant's AK/SK: the secret key",
  },
  "recipient-security-token": {
    type: "string",
    value: "T",
    env: "HUAWEICLOUD_SDK_RECIPIENT_SECURITY_TOKEN",
    help: "with the second tenant's temporary AK/SK",
  },
  "recipient-token": { type: "string", value: "T", env: "IMS_RECIPIENT_TOKEN", help: "the second tenant's IAM token instead of AK/SK" },
} as const satisfies Flags;

const CONTRACT_FLAGS = {
  upstream: {
    type: "string",
    value: "URL",
    help: "the IMS endpoint to check (default: a local fake IMS, with its own tenants and seed images: credentials and IDs are not used)",
  },
  // Not CONNECTION_FLAGS.region: the suite reads no HUAWEICLOUD_SDK_REGION (a region set for the
  // other commands must not turn a local run into one against a real account).
  region: { type: "string", value: "R", help: "or the region's own endpoint, https://ims.R.myhuaweicloud.com" },
  "project-id": CONNECTION_FLAGS["project-id"],
  // The same flag as the other commands' (one variable, one meaning: where IAM is); what the
  // suite does with it, and its default here, the command's description says.
  "iam-endpoint": CONNECTION_FLAGS["iam-endpoint"],
  image: {
    type: "string",
    multiple: true,
    value: "ID",
    help: "an image of yours the checks may share and unshare, and whose members they list (repeat for several); it must exist",
  },
  "member-project": {
    type: "string",
    multiple: true,
    value: "ID",
    help: "a project they may share the images with, then unshare (repeat)",
  },
  job: { type: "string", multiple: true, value: "ID", help: "a job to read (repeat for several)" },
  "copy-image": {
    type: "string",
    value: "ID",
    help: "an image the copy check may copy (yours, or one shared with you): the copy is read back, then deleted; needs --allow-copy",
  },
  "allow-copy": {
    type: "boolean",
    help: "allow the copy check to make the copy: a copy is a billable resource (deleted after its check, even when a step fails)",
  },
  "access-key": CONNECTION_FLAGS["access-key"],
  "secret-key": CONNECTION_FLAGS["secret-key"],
  "security-token": CONNECTION_FLAGS["security-token"],
  token: CONNECTION_FLAGS.token,
  ...RECIPIENT_FLAGS,
  timeout: {
    type: "string",
    value: "D",
    help: "how long a job may take: a number with a unit, h, m, s or ms, as in 90s or 1h30m (default 5m; 15s against a fake)",
  },
  "no-workflows": { type: "boolean", help: "do not run the Arazzo workflows" },
  broken: { type: "string", value: "NAME", help: "run against a local fake broken on purpose (see --list-broken)" },
  "list-broken": { type: "boolean", help: "list the broken variants, and run nothing" },
  junit: { type: "string", value: "FILE", help: "also write the results as JUnit XML to FILE (one test case per check and workflow)" },
  report: {
    type: "string",
    value: "FILE",
    help: "also write a Markdown report to FILE: the verdict, the coverage, each failure with a curl reproducer (no credential in it)",
  },
  "min-coverage": {
    type: "string",
    value: "PCT",
    help: "fail (exit 1) when the run saw less than PCT % of the documented statuses, parameters and enum values, naming the rest",
  },
} as const satisfies Flags;

type ContractValues = FlagValues<typeof CONTRACT_FLAGS>;

/** The variables the recipient's credentials are read from: the recipient flags' own. */
const RECIPIENT_NAMES: CredentialNames = {
  accessKey: RECIPIENT_FLAGS["recipient-access-key"].env,
  secretKey: RECIPIENT_FLAGS["recipient-secret-key"].env,
  securityToken: RECIPIENT_FLAGS["recipient-security-token"].env,
  token: RECIPIENT_FLAGS["recipient-token"].env,
};

/** An empty value counts as not given (`--upstream ""`, `FOO= cmd`). */
const given = (value: string | undefined) => (value ? value : undefined);

/** The owner's credentials: from flags (the user's choice) or from the environment (kept apart); neither when none is set. */
function ownerAuth(values: ContractValues, env: Env, name: string): { auth?: ImsAuth; fromEnv?: ImsAuth } {
  const flags: CredentialFlags = {
    accessKey: values["access-key"],
    secretKey: values["secret-key"],
    securityToken: values["security-token"],
    token: values.token,
  };
  if (!Object.values(flags).some(given) && credentialsFromEnv(env) === undefined) return {};
  const resolved = resolveCredentials(flags, env);
  if ("problem" in resolved) throw new UsageError(resolved.problem, name);
  return resolved.source.from === "flags" ? { auth: resolved.auth } : { fromEnv: resolved.auth };
}

/** The recipient's credentials, by the same rule: its flags, else its variables. */
function recipientAuth(values: ContractValues, env: Env, name: string): { auth: ImsAuth; fromFlags: boolean } | undefined {
  const flags: CredentialFlags = {
    accessKey: values["recipient-access-key"],
    secretKey: values["recipient-secret-key"],
    securityToken: values["recipient-security-token"],
    token: values["recipient-token"],
  };
  if (Object.values(flags).some(given)) {
    // The rule's words name the owner's flags; these are the recipient's.
    const resolved = resolveCredentials(flags, {});
    if ("problem" in resolved)
      throw new UsageError(resolved.problem.replace(/--(?=access-key|secret-key|security-token|token\b)/g, "--recipient-"), name);
    return { auth: resolved.auth, fromFlags: true };
  }
  const choose = "give --recipient-token, or --recipient-access-key and --recipient-secret-key, to choose";
  const fromEnv = credentialsFromEnv(env, RECIPIENT_NAMES, { choose });
  if (fromEnv && "problem" in fromEnv) throw new UsageError(fromEnv.problem, name);
  return fromEnv && { auth: fromEnv.auth, fromFlags: false };
}

/** The recipient, both halves (project and credentials) or none: the user's choice when either half is a flag, else the environment's. */
function recipientOf(values: ContractValues, env: Env, name: string): { recipient?: Recipient; fromEnv?: Recipient } {
  const auth = recipientAuth(values, env, name);
  const projectVariable = RECIPIENT_FLAGS["recipient-project-id"].env;
  const projectFlag = given(values["recipient-project-id"]);
  const projectId = projectFlag ?? given(env[projectVariable]);
  if (auth && !projectId)
    throw new UsageError(`the recipient's credentials need its project ID: --recipient-project-id (or ${projectVariable})`, name);
  if (!auth && projectId) {
    const variables = `${RECIPIENT_NAMES.token}, ${RECIPIENT_NAMES.accessKey}/${RECIPIENT_NAMES.secretKey}`;
    throw new UsageError(
      `the recipient's project needs its credentials: --recipient-token or --recipient-access-key/--recipient-secret-key (or ${variables})`,
      name,
    );
  }
  if (!auth || !projectId) return {};
  const recipient = { auth: auth.auth, projectId };
  return auth.fromFlags || projectFlag !== undefined ? { recipient } : { fromEnv: recipient };
}

/**
 * The suite's options from the command's flags and the environment: what the flags say in the
 * options themselves, what the variables say in `options.environment`.
 */
export function contractOptions(values: ContractValues, env: Env, commands: ContractCommands, name = "contract"): ContractOptions {
  const upstream = given(values.upstream);
  const region = given(values.region);
  if (upstream && region) {
    throw new UsageError(
      "--upstream and --region are both given: give one (--upstream URL checks that endpoint, --region R the region's own)",
      name,
    );
  }
  const options: ContractOptions = { commands };
  const environment: Environment = {};
  const set = <K extends keyof ContractOptions>(key: K, value: ContractOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("upstream", upstream);
  set("region", region);
  set("broken", given(values.broken));
  set("projectId", given(values["project-id"]));
  const envProject = given(env[CONNECTION_FLAGS["project-id"].env]);
  if (envProject) environment.projectId = envProject;
  set("images", values.image);
  set("memberProjects", values["member-project"]);
  set("jobs", values.job);
  set("iamEndpoint", given(values["iam-endpoint"]));
  const envIam = given(env[CONTRACT_FLAGS["iam-endpoint"].env]);
  if (envIam) environment.iamEndpoint = envIam;
  set("copyImage", given(values["copy-image"]));
  if (values["allow-copy"]) options.allowCopy = true;
  if (values["no-workflows"]) options.workflows = false;
  const timeout = given(values.timeout);
  if (timeout !== undefined) {
    const ms = parseDuration(timeout);
    if (ms === undefined) throw new UsageError(`--timeout: ${durationProblem(timeout)}`, name);
    options.timeoutMs = ms;
  }
  const owner = ownerAuth(values, env, name);
  set("auth", owner.auth);
  if (owner.fromEnv) environment.auth = owner.fromEnv;
  const recipient = recipientOf(values, env, name);
  set("recipient", recipient.recipient);
  if (recipient.fromEnv) environment.recipient = recipient.fromEnv;
  if (Object.keys(environment).length) options.environment = environment;
  return options;
}

/** The CI outputs from the flags (--junit, --report, --min-coverage), checked before anything runs. */
export function ciOptions(values: ContractValues, name = "contract"): CiOptions {
  const options: CiOptions = {};
  for (const flag of ["junit", "report"] as const) {
    const file = values[flag];
    if (file === undefined) continue;
    if (!file) throw new UsageError(`--${flag} needs a file name`, name);
    options[flag] = file;
  }
  const pct = values["min-coverage"];
  if (pct !== undefined) {
    // `80` or `80%`; anything else (`eighty`, `0x50`, empty) is refused rather than read as something.
    if (!/^\d+(\.\d+)?%?$/.test(pct.trim())) throw new UsageError(`--min-coverage must be a percentage from 0 to 100, got "${pct}"`, name);
    options.minCoverage = Number.parseFloat(pct);
  }
  const problem = ciOptionsProblem(options);
  if (problem) throw new UsageError(problem, name);
  return options;
}

function description(commands: ContractCommands): string {
  return [
    "Runs the contract suite through Stoplight Prism's validating proxy (prism proxy --errors) against an upstream (a local fake",
    "IMS by default): every request and answer is checked against the spec bundled with the package, the first violation ends a",
    "check, every change is read back.",
    "Read-only by default: against a real account only reads and harmless negative requests (no credentials, a wrong signature,",
    "an unknown job, an invalid body, an unknown image) run. Writes run only on the images and projects you name: with --image",
    "and --member-project, the images are shared with the projects, then unshared; with --image and a recipient, the two-tenant",
    "round trip runs; with --copy-image and --allow-copy, the image is copied, the copy read back and deleted (a copy is a",
    "billable resource: the check deletes it even when a step fails, and says so, with its ID, if the delete itself fails).",
    "That holds for a loopback upstream too (it may be a tunnel to a real account), unless it is ims-sharing's own fake, which",
    "says so on every answer (X-Ims-Fake): then its tenants, tokens and seed images are used (a seed image is copied, free),",
    "and credentials from the environment are not. A fake started without signature checking accepts any signature, so the",
    `wrong-signature check is skipped against it; start one that checks with: ${commands.verifyingFake}`,
    "IAM's project listing (GET /v3/projects) is checked through a validating proxy of its own: --iam-endpoint (with --region,",
    "IAM's global endpoint; against ims-sharing's fake, the fake; else the IAM check is skipped).",
    "Credentials: a flag beats any variable (--token wins over HUAWEICLOUD_SDK_AK/SK, --recipient-token over",
    "HUAWEICLOUD_SDK_RECIPIENT_AK/SK); an IAM token and AK/SK together are refused, as flags or as variables with no flag to",
    "choose. Prefer the environment for secrets: flags show in the process list and shell history.",
    "Coverage: after the run, the documented statuses each operation was answered with, and the parameters and enum values",
    "sent (only the upstream's own answers count); --min-coverage PCT fails a run that kept the contract below PCT %.",
    "--junit FILE and --report FILE.md keep the results for CI (relative to the working directory, each written whole).",
    `Needs Stoplight Prism, an optional peer dependency: ${PRISM_INSTALL}`,
  ].join("\n");
}

/** The broken variants, one a line: what --list-broken prints. */
async function listBroken(): Promise<string> {
  const { BROKEN_VARIANTS } = await import("../../contract/broken.js");
  return Object.entries(BROKEN_VARIANTS)
    .map(([name, v]) => `${name.padEnd(28)} ${v.description}`)
    .join("\n");
}

/**
 * The contract command; `commands` are how the user runs the suite and a verifying fake, for its
 * help and the suite's hints (default: the installed CLI's own). `cwd`: what the report files'
 * paths are relative to (default: the working directory; a clone's `npm run contract --` runs in
 * the clone's root, so it passes where the user typed it).
 */
export function contractCommand(commands?: ContractCommands, cwd?: string): Command {
  const path = ["contract"];
  const names: ContractCommands = commands ?? {
    contract: defaultInvocation(path),
    verifyingFake: `${invocation(FAKE_COMMAND)} ${VERIFY_SIGNATURES}`,
  };
  return defineCommand({
    path,
    ...(commands ? { invokedAs: commands.contract } : {}),
    summary: "Check an IMS endpoint against the spec (the contract suite)",
    description: description(names),
    flags: CONTRACT_FLAGS,
    waits: "never",
    connects: false,
    exitCodes:
      "Exit codes: 0 the upstream keeps the contract, 1 it breaks it (or the coverage is below --min-coverage), 2 usage error\n" +
      "(Prism missing, no credentials, an image named that does not exist), 3 the upstream is unreachable (nothing listening,\n" +
      "DNS failure, TLS error): no verdict, 130 interrupted.",
    examples: [
      `${names.contract} --region cn-north-4 --project-id YOUR_PROJECT_ID`,
      `${names.contract} --region cn-north-4 --project-id P --image IMAGE_ID --member-project PROJECT_ID`,
      `${names.contract} --region cn-north-4 --project-id P --copy-image IMAGE_ID --allow-copy`,
      `${names.contract} --upstream http://127.0.0.1:4011`,
    ],
    async run(ctx) {
      if (ctx.values["list-broken"]) {
        ctx.out.line(await listBroken());
        return EXIT.ok;
      }
      const options = contractOptions(ctx.values, ctx.env, names, ctx.name);
      const ci = ciOptions(ctx.values, ctx.name);
      // Loaded when run: the suite pulls in the fake and Prism only then, and the other commands never load it.
      const { runContract } = await import("../../contract/run.js");
      const { finishForCi } = await import("../../contract/ci.js");
      const result = await runContract({ ...options, log: (text) => ctx.out.line(text), signal: ctx.signal });
      const finished = await finishForCi(result, { ...ci, ...(cwd ? { cwd } : {}) });
      if (finished.text) ctx.out.line(finished.text);
      if (result.verdict === "usage") ctx.out.note(`See: ${names.contract} --help`);
      return finished.exitCode;
    },
  });
}

/** `ims-sharing contract`. */
export const CONTRACT_COMMAND = contractCommand();
