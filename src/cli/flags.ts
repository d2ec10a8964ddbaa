/**
 * Flags: their declaration (`FlagSpec`) and the sets every command of a kind shares (connection,
 * output, waiting). In a module of their own so that the command table (commands.ts) and the
 * modules whose commands it includes (sharing-commands.ts, fake-command.ts) read the same specs.
 */

/** One flag (`--name`). */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  /** May be given more than once; the values are collected in order. */
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's placeholder in help: `ID`, `URN`, `D`. */
  readonly value?: string;
  readonly help: string;
  /** The environment variable it overrides, shown in help. */
  readonly env?: string;
  /** Other names that mean the same (older or shorter ones): accepted, shown in help, not completed. */
  readonly aliases?: readonly string[];
  /** The only values accepted (also what tab completion offers). */
  readonly choices?: readonly string[];
  /** The command refuses to run without it. */
  readonly required?: boolean;
  /** At least one flag of this group must be given. */
  readonly oneOf?: string;
}

export type Flags = Readonly<Record<string, FlagSpec>>;

type ValueOf<F extends FlagSpec> = FlagSpec extends F
  ? string | boolean | string[]
  : F["type"] extends "boolean"
    ? boolean
    : F["multiple"] extends true
      ? string[]
      : string;
/** The parsed values of a command's own flags, under their canonical names (aliases merged in). */
export type FlagValues<F extends Flags> = { readonly [K in keyof F]?: ValueOf<F[K]> };

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
    help: "YOUR OWN project, the one the credentials act in; the projects acted on are --member-project",
  },
  "access-key": { type: "string", value: "AK", env: "HUAWEICLOUD_SDK_AK", help: "AK/SK signing: the access key" },
  "secret-key": { type: "string", value: "SK", env: "HUAWEICLOUD_SDK_SK", help: "AK/SK signing: the secret key" },
  "security-token": { type: "string", value: "T", env: "HUAWEICLOUD_SDK_SECURITY_TOKEN", help: "with temporary AK/SK" },
  token: { type: "string", value: "T", env: "IMS_TOKEN", help: "an IAM token instead of AK/SK" },
} as const satisfies Flags;

/** The rules of the connection flags and variables, in help. */
export const CONNECTION_RULES: readonly string[] = [
  "A flag beats the environment: --region wins over IMS_ENDPOINT, --token over HUAWEICLOUD_SDK_AK/SK, and so on.",
  "Two of different kinds together are refused: --endpoint with --region, --token with --access-key/--secret-key;",
  "so are IMS_ENDPOINT with HUAWEICLOUD_SDK_REGION, or IMS_TOKEN with HUAWEICLOUD_SDK_AK/SK, when no flag chooses",
  "(give the flag, or unset one). Plain http:// is refused off this machine unless --allow-insecure-http.",
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
