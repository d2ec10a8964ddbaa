/**
 * The flags every command of a kind shares (connection, output, waiting, help), and how a
 * command's whole set is made from them: its own flags first, then the shared ones, in help
 * order. The commands (commands/) and the framework read the same specs.
 */
import { DEFAULT_CREDENTIAL_NAMES } from "../../environment.js";
import type { Command, FlagSpec, Flags } from "./types.js";

/** Flags every command has. */
export const COMMON_FLAGS = {
  help: { type: "boolean", short: "h", help: "show this help" },
  version: { type: "boolean", short: "v", help: "print the version" },
} as const satisfies Flags;

/** Plain http:// off this machine: refused unless asked for (credentials would cross the network in clear). */
export const INSECURE_HTTP_FLAG = {
  type: "boolean",
  help: "allow a plain http:// endpoint that is not on this machine (credentials cross the network in clear text)",
} as const satisfies FlagSpec;

/** Where IMS is and who you are: every command that calls IMS. */
export const CONNECTION_FLAGS = {
  region: { type: "string", value: "R", env: "HUAWEICLOUD_SDK_REGION", help: "region ID, e.g. cn-north-4" },
  endpoint: { type: "string", value: "URL", env: "IMS_ENDPOINT", help: "IMS endpoint instead of the region's" },
  "allow-insecure-http": INSECURE_HTTP_FLAG,
  "project-id": {
    type: "string",
    value: "ID",
    env: "HUAWEICLOUD_SDK_PROJECT_ID",
    help:
      "YOUR OWN project, the one the credentials act in (left out: the region's, found through IAM); " +
      "the projects acted on are --member-project",
  },
  "iam-endpoint": {
    type: "string",
    value: "URL",
    env: "HUAWEICLOUD_SDK_IAM_ENDPOINT",
    help:
      "IAM's endpoint, where the project is found when --project-id is not given, and where contract checks IAM's project " +
      "listing (default https://iam.myhuaweicloud.com)",
  },
  "access-key": { type: "string", value: "AK", env: DEFAULT_CREDENTIAL_NAMES.accessKey, help: "AK/SK signing: the access key" },
  "secret-key": { type: "string", value: "SK", env: DEFAULT_CREDENTIAL_NAMES.secretKey, help: "AK/SK signing: the secret key" },
  "security-token": { type: "string", value: "T", env: DEFAULT_CREDENTIAL_NAMES.securityToken, help: "with temporary AK/SK" },
  token: { type: "string", value: "T", env: DEFAULT_CREDENTIAL_NAMES.token, help: "an IAM token instead of AK/SK" },
} as const satisfies Flags;

/** The rules of the connection flags and variables, in help. */
export const CONNECTION_RULES: readonly string[] = [
  "A flag beats the environment: --region wins over IMS_ENDPOINT, --token over HUAWEICLOUD_SDK_AK/SK, and so on.",
  "Two of different kinds together are refused: --endpoint with --region, --token with --access-key/--secret-key;",
  "so are IMS_ENDPOINT with HUAWEICLOUD_SDK_REGION, or IMS_TOKEN with HUAWEICLOUD_SDK_AK/SK, when no flag chooses",
  "(give the flag, or unset one). Plain http:// is refused off this machine unless --allow-insecure-http.",
  "Without --project-id (or HUAWEICLOUD_SDK_PROJECT_ID) the region's project is found through IAM (GET /v3/projects?name=REGION).",
  "With --endpoint, that needs --iam-endpoint (or HUAWEICLOUD_SDK_IAM_ENDPOINT) and --region, the region whose project it is.",
  "Prefer the environment for secrets: flags show in the process list and shell history.",
];

/** How results are printed: every command that calls IMS. */
export const OUTPUT_FLAGS = {
  json: { type: "boolean", help: "JSON lines on stdout, one event per line (see the README's table)" },
  verbose: { type: "boolean", help: "on errors, the details: both canonical requests of a refused signature, causes, bodies" },
} as const satisfies Flags;

/** Waiting for the job: commands that start one. */
export const WAIT_FLAGS = {
  wait: { type: "boolean", help: "follow the job until it ends (live on a terminal)" },
  timeout: {
    type: "string",
    value: "D",
    help: "give up waiting after D: a number with a unit, h, m, s or ms, combined as in 1h30m (a bare number is seconds); default 5m",
  },
} as const satisfies Flags;

/** A section of a command's flags in its help: a title, the flags, and the rules that go with them. */
export interface FlagSection {
  title: string;
  flags: Flags;
  notes?: readonly string[];
}

/** Every flag a command accepts, in help order, with the section each belongs to (and its rules). */
export function flagSections(command: Command): FlagSection[] {
  const sections: FlagSection[] = [];
  if (Object.keys(command.flags).length) sections.push({ title: "Options", flags: command.flags });
  if (command.waits === "optional") sections.push({ title: "Waiting", flags: WAIT_FLAGS });
  if (command.waits === "always") sections.push({ title: "Waiting", flags: { timeout: WAIT_FLAGS.timeout } });
  if (command.connects !== false) {
    sections.push({ title: "Output", flags: OUTPUT_FLAGS });
    sections.push({ title: "Connection and credentials", flags: CONNECTION_FLAGS, notes: CONNECTION_RULES });
  }
  sections.push({ title: "", flags: COMMON_FLAGS });
  return sections;
}

/** Every flag a command accepts, by canonical name. */
export function allFlags(command: Command): Flags {
  return Object.assign({}, ...flagSections(command).map((s) => s.flags)) as Flags;
}

/** `members add` */
export function commandName(command: Command): string {
  return command.path.join(" ");
}

/** How the user types the command of these words, unless it says otherwise: `ims-sharing members add`. */
export function defaultInvocation(path: readonly string[]): string {
  return ["ims-sharing", ...path].join(" ");
}

/** How the user types a command: `ims-sharing members add`, or what the command says (`npm run contract --`). */
export function invocation(command: Command): string {
  return command.invokedAs ?? defaultInvocation(command.path);
}
