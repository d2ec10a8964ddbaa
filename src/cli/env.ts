/**
 * Credentials from the environment, as every official Huawei Cloud SDK reads them
 * (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN), or an IAM token in
 * IMS_TOKEN. AK/SK wins when both are set. Used by the CLI and sharing files (the contract
 * runner reads its two tenants' variables itself).
 */
import type { ImsAuth } from "../auth.js";

export function authFromEnv(env: Record<string, string | undefined>): ImsAuth | undefined {
  const { HUAWEICLOUD_SDK_AK: accessKey, HUAWEICLOUD_SDK_SK: secretKey, HUAWEICLOUD_SDK_SECURITY_TOKEN: securityToken, IMS_TOKEN: token } = env;
  if (accessKey && secretKey) return { accessKey, secretKey, ...(securityToken ? { securityToken } : {}) };
  return token ? { token } : undefined;
}

/** Credentials given as command-line flags (empty strings count as not given). */
export interface CredentialFlags {
  accessKey?: string | undefined;
  secretKey?: string | undefined;
  securityToken?: string | undefined;
  token?: string | undefined;
}

/**
 * The credentials to use: flags win over the environment, a kind at a time (a key from a flag is
 * never paired with a secret from the environment). Otherwise `problem` says what is missing,
 * by name, never by value.
 */
export function resolveCredentials(flags: CredentialFlags, env: Record<string, string | undefined>): { auth: ImsAuth } | { problem: string } {
  const given = (value: string | undefined) => (value ? value : undefined);
  const accessKey = given(flags.accessKey);
  const secretKey = given(flags.secretKey);
  const securityToken = given(flags.securityToken);
  const token = given(flags.token);
  if (token && (accessKey || secretKey)) return { problem: "conflicting credentials: give either --token or --access-key and --secret-key, not both" };
  if (accessKey || secretKey) {
    if (!accessKey) return { problem: "incomplete credentials: --secret-key is given without --access-key" };
    if (!secretKey) return { problem: "incomplete credentials: --access-key is given without --secret-key" };
    return { auth: { accessKey, secretKey, ...(securityToken ? { securityToken } : {}) } };
  }
  if (securityToken) return { problem: "incomplete credentials: --security-token goes with --access-key and --secret-key (temporary AK/SK), which are not given" };
  if (token) return { auth: { token } };

  const fromEnv = authFromEnv(env);
  if (fromEnv) return { auth: fromEnv };
  const envAk = given(env.HUAWEICLOUD_SDK_AK);
  const envSk = given(env.HUAWEICLOUD_SDK_SK);
  if (envAk && !envSk) return { problem: "incomplete credentials: HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not" };
  if (envSk && !envAk) return { problem: "incomplete credentials: HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not" };
  return { problem: "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or IMS_TOKEN (or --access-key and --secret-key, or --token)" };
}
