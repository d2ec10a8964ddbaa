/**
 * What a contract run asks of the upstream itself, past Prism, before any check: whether
 * anything answers there and whether it is ims-sharing's own fake (`X-Ims-Fake`, see
 * fake/identity.ts), and whether the images the user named can be used. Nothing here is a
 * contract exchange.
 */
import type { ImsAuth } from "../auth.js";
import { createImsClient } from "../client.js";
import { ImsApiError } from "../errors.js";
import { FAKE_HEADER, parseFakeIdentity, type FakeIdentity } from "../fake/index.js";
import { operationSpec } from "../operations.js";
import { operationUrl } from "./context.js";
import { failureText, isUnreachable } from "./observe.js";

/** What a first request to the upstream found. */
export interface UpstreamProbe {
  /** Why nothing answers (refused, DNS, TLS, no answer in time); undefined when something does. */
  unreachable?: string | undefined;
  /** Set when the answer says it comes from ims-sharing's own fake IMS (`X-Ims-Fake`). */
  fake?: FakeIdentity | undefined;
}

/** What kind of failure a connection that could not be made is, in words. */
function unreachableKind(text: string): string {
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return "DNS lookup failed";
  if (/ECONNREFUSED/.test(text)) return "nothing is listening";
  if (/CERT|SSL|TLS|EPROTO|self[- ]signed|wrong version number|unable to (verify|get)/i.test(text)) return "TLS error";
  return isUnreachable(text) ? "the connection failed" : "the request failed";
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
    if (error instanceof DOMException && error.name === "TimeoutError")
      return { unreachable: `no answer from ${url} within ${Math.round(timeoutMs / 1000)} s` };
    const text = failureText(error);
    return { unreachable: `${unreachableKind(text)}: ${url}: ${text}` };
  }
}

export interface ImagesToCheck {
  upstream: string;
  auth: ImsAuth;
  projectId: string;
  images: readonly string[];
  signal?: AbortSignal | undefined;
}

/**
 * The named images that cannot be used, each with why: asked of the upstream itself by listing
 * one member. A 404, or IMS's codes for an image that does not exist, means it does not;
 * IMG.0047 that it is someone else's. Anything else (refused credentials, a 5xx, a lost answer)
 * is for the checks to judge.
 */
export async function unusableImages({ upstream, auth, projectId, images, signal }: ImagesToCheck): Promise<string[]> {
  const id = "listImageMembers";
  const ims = createImsClient({ endpoint: upstream, auth, projectId, retry: false, requestTimeoutMs: 30_000, allowInsecureHttp: true });
  const problems: string[] = [];
  for (const image of images) {
    try {
      await ims.call(id, { path: { image_id: image }, query: { limit: 1 } }, { signal });
    } catch (error) {
      if (!(error instanceof ImsApiError)) continue;
      const path = operationUrl("", id, { project_id: projectId, image_id: image });
      const asked = `${operationSpec(id).method} ${path} answered ${error.status}${error.code ? ` ${error.code}` : ""}`;
      if (error.status === 404 || error.code === "IMG.0027" || error.code === "IMG.0144") {
        problems.push(`--image ${image}: there is no such image in project ${projectId} (${asked})`);
      } else if (error.code === "IMG.0047") {
        problems.push(
          `--image ${image}: the image is not project ${projectId}'s own (${asked}); the checks share and unshare only images you own`,
        );
      }
    }
  }
  return problems;
}

/**
 * Why the image the copy check would copy cannot be used (undefined when it can, or when that
 * cannot be told here): asked of the upstream itself, by listing images of that ID.
 */
export async function invisibleImage(options: {
  upstream: string;
  auth: ImsAuth;
  projectId?: string | undefined;
  image: string;
  signal?: AbortSignal | undefined;
}): Promise<string | undefined> {
  const { upstream, auth, projectId, image, signal } = options;
  // With AK/SK every IMS call says its project: without one, the checks will say what is wrong.
  if (!projectId && !("token" in auth)) return undefined;
  const ims = createImsClient({
    endpoint: upstream,
    auth,
    retry: false,
    requestTimeoutMs: 30_000,
    allowInsecureHttp: true,
    ...(projectId ? { projectId } : {}),
  });
  try {
    for await (const found of ims.listImages({ id: image, signal })) if (found.id === image) return undefined;
  } catch {
    // Refused credentials, a 5xx, a lost answer: for the checks to judge.
    return undefined;
  }
  const { method, path } = operationSpec("listImages");
  const who = projectId ? `project ${projectId}` : "these credentials";
  return `--copy-image ${image}: no image of that ID is visible to ${who} (${method} ${path}?id=${image} lists none)`;
}
