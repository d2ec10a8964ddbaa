/**
 * Where IMS is and who you are, from flags and environment variables, by one rule for every
 * pair: a flag beats any variable; two flags of different kinds together are refused, and so
 * are two variables of different kinds when no flag chooses. Credentials are read as every
 * official Huawei Cloud SDK reads them (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
 * HUAWEICLOUD_SDK_SECURITY_TOKEN), or as an IAM token in IMS_TOKEN; a sharing file's region may
 * name other variables for the same four. Used by the CLI and by sharing files
 * (clientsForSharingFile); the contract runner reads its two tenants' variables itself. Problems
 * name variables and flags, never values.
 */
import type { ImsAuth } from "./auth.js";
import type { CredentialRefs } from "./sharing/desired.js";

/** The NAMES of the variables that hold each piece of a credential; a piece without a name is not read. */
export interface CredentialNames {
  accessKey?: string | undefined;
  secretKey?: string | undefined;
  securityToken?: string | undefined;
  token?: string | undefined;
}

/** The variables every official Huawei Cloud SDK reads, and IMS_TOKEN for an IAM token. */
export const DEFAULT_CREDENTIAL_NAMES = {
  accessKey: "HUAWEICLOUD_SDK_AK",
  secretKey: "HUAWEICLOUD_SDK_SK",
  securityToken: "HUAWEICLOUD_SDK_SECURITY_TOKEN",
  token: "IMS_TOKEN",
} as const satisfies Required<CredentialNames>;

export type CredentialPiece = keyof CredentialNames;
const AKSK_PIECES = ["accessKey", "secretKey", "securityToken"] as const;

/** An empty value counts as not set (`FOO= cmd` unsets FOO for cmd). */
const given = (value: string | undefined) => (value ? value : undefined);

/** `A and B`, `A, B and C`. */
function and(names: readonly string[]): string {
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : (names[0] ?? "");
}

/** What credentials could be read from the environment. */
export type EnvCredentials =
  /** `names`: the variables actually read (for hints that must name them, never their values). */
  { auth: ImsAuth; names: CredentialNames } | { problem: string } | undefined;

/**
 * The credentials the variables `names` hold in `env` (default: the SDKs' and IMS_TOKEN):
 * `{ auth, names }` (the names actually read), `{ problem }` when they are incomplete or of
 * both kinds (AK/SK and a token: refused, since nothing says which is meant; `choose` says how
 * to pick, after "unset one"), or undefined when none is set.
 */
export function credentialsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  names: CredentialNames = DEFAULT_CREDENTIAL_NAMES,
  options: { choose?: string | undefined } = {},
): EnvCredentials {
  const value = (piece: CredentialPiece) => {
    const name = names[piece];
    return name === undefined ? undefined : given(env[name]);
  };
  const setNames = (pieces: readonly CredentialPiece[]) => pieces.filter((p) => value(p) !== undefined).map((p) => names[p] as string);
  const akskSet = setNames(AKSK_PIECES);
  const token = value("token");
  if (token && akskSet.length) {
    const choose = options.choose ? `${options.choose}, or unset one` : "unset one";
    return {
      problem:
        `conflicting credentials: an IAM token (${names.token}) and AK/SK (${and(akskSet)}) are both set, ` +
        `and nothing says which to use: ${choose}`,
    };
  }
  if (token) return { auth: { token }, names: { token: names.token } };
  if (!akskSet.length) return undefined;
  const accessKey = value("accessKey");
  const secretKey = value("secretKey");
  const securityToken = value("securityToken");
  if (!accessKey || !secretKey) {
    const missing = [!accessKey ? names.accessKey : undefined, !secretKey ? names.secretKey : undefined].filter(
      (n): n is string => n !== undefined,
    );
    return {
      problem:
        `incomplete credentials: ${and(akskSet)} ${akskSet.length > 1 ? "are" : "is"} set ` +
        `but ${and(missing)} ${missing.length > 1 ? "are" : "is"} not`,
    };
  }
  return {
    auth: { accessKey, secretKey, ...(securityToken ? { securityToken } : {}) },
    names: { accessKey: names.accessKey, secretKey: names.secretKey, ...(securityToken ? { securityToken: names.securityToken } : {}) },
  };
}

/** The variables a sharing file's `credentials` names, as {@link credentialsFromEnv} takes them. */
export function credentialNamesOf(refs: CredentialRefs): CredentialNames {
  return { accessKey: refs.accessKeyEnv, secretKey: refs.secretKeyEnv, securityToken: refs.securityTokenEnv, token: refs.tokenEnv };
}

/** The variables `names` lists, as people read them: `A and B, or T`. */
export function describeCredentialNames(names: CredentialNames): string {
  const aksk = [names.accessKey, names.secretKey].filter((n): n is string => n !== undefined);
  return [aksk.length ? and(aksk) : undefined, names.token].filter(Boolean).join(", or ");
}

/** Credentials given as command-line flags (empty strings count as not given). */
export interface CredentialFlags {
  accessKey?: string | undefined;
  secretKey?: string | undefined;
  securityToken?: string | undefined;
  token?: string | undefined;
}

/** Where the credentials of a run came from: flags (which hints cannot repeat) or variables (which they can name). */
export type CredentialSource = { from: "flags"; flags: string[] } | { from: "env"; names: CredentialNames };

const CHOOSE_CREDENTIALS = "give --token, or --access-key and --secret-key, to choose";

/**
 * The credentials to use: flags win over the environment, whatever kind each is (a key from a
 * flag is never paired with a secret from the environment). Otherwise `problem` says what is
 * missing or conflicting, by name, never by value.
 */
export function resolveCredentials(
  flags: CredentialFlags,
  env: Readonly<Record<string, string | undefined>>,
): ({ auth: ImsAuth } & { source: CredentialSource }) | { problem: string } {
  const accessKey = given(flags.accessKey);
  const secretKey = given(flags.secretKey);
  const securityToken = given(flags.securityToken);
  const token = given(flags.token);
  if (token && (accessKey || secretKey || securityToken)) {
    const others = [accessKey && "--access-key", secretKey && "--secret-key", securityToken && "--security-token"].filter(
      (f): f is string => Boolean(f),
    );
    return {
      problem:
        `conflicting credentials: --token is given with ${and(others)}: ` +
        "give either --token or --access-key and --secret-key, not both",
    };
  }
  if (accessKey || secretKey) {
    if (!accessKey) return { problem: "incomplete credentials: --secret-key is given without --access-key" };
    if (!secretKey) return { problem: "incomplete credentials: --access-key is given without --secret-key" };
    const used = ["--access-key", "--secret-key", ...(securityToken ? ["--security-token"] : [])];
    return { auth: { accessKey, secretKey, ...(securityToken ? { securityToken } : {}) }, source: { from: "flags", flags: used } };
  }
  if (securityToken)
    return {
      problem: "incomplete credentials: --security-token goes with --access-key and --secret-key (temporary AK/SK), which are not given",
    };
  if (token) return { auth: { token }, source: { from: "flags", flags: ["--token"] } };

  const fromEnv = credentialsFromEnv(env, DEFAULT_CREDENTIAL_NAMES, { choose: CHOOSE_CREDENTIALS });
  if (fromEnv === undefined) {
    return {
      problem: "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or IMS_TOKEN (or --access-key and --secret-key, or --token)",
    };
  }
  if ("problem" in fromEnv) return fromEnv;
  return { auth: fromEnv.auth, source: { from: "env", names: fromEnv.names } };
}

/** Where IMS is: an endpoint or a region, never both. */
export type Place = { endpoint: string; region?: undefined } | { region: string; endpoint?: undefined };

/**
 * Where IMS is: `--endpoint` or `--region` (both: refused), else IMS_ENDPOINT or
 * HUAWEICLOUD_SDK_REGION (both, with no flag to choose: refused). A flag of one kind beats a
 * variable of the other.
 */
export function resolvePlace(
  flags: { endpoint?: string | undefined; region?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Place | { problem: string } {
  const endpoint = given(flags.endpoint);
  const region = given(flags.region);
  if (endpoint && region)
    return {
      problem: "--endpoint and --region are both given: give one (--endpoint URL calls that URL, --region R the region's own endpoint)",
    };
  if (endpoint) return { endpoint };
  if (region) return { region };
  const envEndpoint = given(env.IMS_ENDPOINT);
  const envRegion = given(env.HUAWEICLOUD_SDK_REGION);
  if (envEndpoint && envRegion) {
    return {
      problem:
        "IMS_ENDPOINT and HUAWEICLOUD_SDK_REGION are both set, and nothing says which to use: " +
        "give --endpoint or --region to choose, or unset one",
    };
  }
  if (envEndpoint) return { endpoint: envEndpoint };
  if (envRegion) return { region: envRegion };
  return { problem: "say where IMS is: --region (or HUAWEICLOUD_SDK_REGION) or --endpoint (or IMS_ENDPOINT)" };
}
