/**
 * Credentials from the environment, as every official Huawei Cloud SDK reads them
 * (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN), or an IAM token in
 * IMS_TOKEN. AK/SK wins when both are set. Shared by the CLI and `npm run contract`.
 */
import type { ImsAuth } from "../auth.js";

export function authFromEnv(env: Record<string, string | undefined>): ImsAuth | undefined {
  const { HUAWEICLOUD_SDK_AK: accessKey, HUAWEICLOUD_SDK_SK: secretKey, HUAWEICLOUD_SDK_SECURITY_TOKEN: securityToken, IMS_TOKEN: token } = env;
  if (accessKey && secretKey) return { accessKey, secretKey, ...(securityToken ? { securityToken } : {}) };
  return token ? { token } : undefined;
}
