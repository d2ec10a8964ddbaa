/**
 * The contract command line's old parser, kept only until the CLI's `contract` command (an
 * ordinary command of its table, building `ContractOptions` itself) replaces it; deleted then.
 */
import { parseArgs } from "node:util";
import type { ImsAuth } from "../auth.js";
import { parseDuration } from "../duration.js";
import { BROKEN_VARIANTS } from "./broken.js";
import { PRISM_INSTALL } from "./prism.js";
import { INSTALLED_COMMANDS, type ContractCommands, type ContractEnvironment, type ContractOptions } from "./run.js";

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
// Evaluated while run.ts (which imports this module) is still loading: its INSTALLED_COMMANDS
// cannot be read yet, so the installed commands are spelled here, for as long as this file lives.
export const CONTRACT_HELP = contractHelp({ contract: "ims-sharing contract", verifyingFake: "ims-sharing fake --verify-signatures" });

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
