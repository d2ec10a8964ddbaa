/**
 * What the IMS and gateway codes of image sharing mean, from Huawei's error code pages: data,
 * apart from the code that uses it. Messages take a code's meaning from here when IMS gives no
 * text, and the command line names it.
 */
import { limits } from "../generated/schemas.js";

/**
 * What IMS and gateway codes mean, from Huawei's error code pages, for the codes image sharing
 * meets. Appended to messages so a person knows what to do without looking them up.
 */
export const IMS_CODE_HINTS: Readonly<Record<string, string>> = {
  "IMG.0001": "the request format is incorrect",
  "IMG.0007": "the request body is empty",
  "IMG.0018": "IMS could not submit the job",
  "IMG.0023": "the job could not be queried (unknown job ID?)",
  "IMG.0027": "an image in the request does not exist",
  "IMG.0030": "the project ID does not match the token",
  "IMG.0047": "only the image's owner can do this",
  "IMG.0064": "looking the tenant up in IAM failed",
  "IMG.0065": "looking the tenant up in IAM failed",
  "IMG.0066": "an image ID is incorrect",
  "IMG.0067": "a project ID is incorrect",
  "IMG.0076": "an image cannot be shared with its own project",
  "IMG.0083": "public images cannot be shared",
  "IMG.0086": "no image was found",
  "IMG.0087": "the token is incorrect",
  "IMG.0088":
    `the image reached its sharing quota (${limits.membersPerImage} accepted members, ` +
    `${limits.membersPerFullEcsImage} for a full-ECS image; pending ones do not count)`,
  "IMG.0089": "public images cannot be shared",
  "IMG.0098": "encrypted images cannot be shared",
  "IMG.0106": "the image is owned by another tenant",
  "IMG.0108": "the tenant is not in this region: images are shared within one region only",
  "IMG.0112": "adding the tenant failed",
  "IMG.0113": "removing the tenant failed (was it a member?)",
  "IMG.0114": "querying the tenant's details failed",
  "IMG.0135": "a full-ECS image can be shared only when made from a cloud-server backup",
  "IMG.0144": "the image does not exist",
  "IMG.0177": "the images and the tenant are in different regions",
  "IMG.0178": "the target tenant is the image's own tenant",
  "IMG.0184": "the vault does not exist (accepting a full-ECS image needs a vault_id)",
  "IMG.0188": "the vault is not available",
  "IMG.0193": "the vault is of the wrong kind for this image",
  "IMG.0196": "a shared image must be accepted before it can be replicated",
  "APIGW.0301": "the AK/SK signature or token was refused: compare error.canonicalRequest with error.signedCanonicalRequest",
  "APIGW.0308": "the gateway throttled the request: slow down",
};

/** What a code means, when known. */
export function codeHint(code: string): string | undefined {
  return Object.hasOwn(IMS_CODE_HINTS, code) ? IMS_CODE_HINTS[code] : undefined;
}
