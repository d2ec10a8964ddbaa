/**
 * Region-only set-up: the project of a region found through IAM, as Huawei's official SDK cores
 * do when they are given a region and credentials but no project ID (`GET /v3/projects?name=
 * REGION` on IAM's endpoint, authenticated like any call, without `X-Project-Id`). One project
 * is the answer; none, or several (sub-projects), is an `ImsProjectDiscoveryError` naming them.
 *
 * Once per client: concurrent first calls share one lookup, and a failed lookup (IAM could not
 * be reached) is tried again by the next call. The answer is also kept for the process, per
 * credentials (the access key, or the token), IAM endpoint and region, so a second client made
 * with them asks IAM no more, as the official SDKs keep it per key and region.
 */
import { ImsError, ImsProjectDiscoveryError, type ProjectCandidate } from "./errors.js";
import type { ProjectList } from "../generated/ims.js";
import { iamServer } from "../generated/schemas.js";

/** IAM's global endpoint, the spec's first for IAM's operations and the official SDKs' default. */
export const DEFAULT_IAM_ENDPOINT: string = iamServer.url;

/** Projects found, by credentials, IAM endpoint and region (see the module's comment). */
const found = new Map<string, string>();

export interface DiscoveryOptions {
  region: string;
  iamEndpoint: string;
  /** Who asks (the access key, or the token): a project is per account. */
  credentials: string;
  /** The listing: IAM's answer, and its trace ID. */
  list(signal: AbortSignal | undefined): Promise<{ data: ProjectList; traceId?: string | undefined }>;
}

/** `resolve(signal)`: the project, found once (see the module's comment). */
export function createProjectDiscovery(options: DiscoveryOptions): { resolve(signal?: AbortSignal): Promise<string> } {
  const key = `${options.credentials}\u0000${options.iamEndpoint}\u0000${options.region}`;
  let lookup: Promise<string> | undefined;
  return {
    resolve(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      const known = found.get(key);
      if (known !== undefined) return Promise.resolve(known);
      // The lookup is shared, so no one caller's signal may end it: each caller stops waiting on
      // its own abort, and the lookup goes on (within the request time limit) for the others.
      lookup ??= discover(options).then(
        (projectId) => {
          found.set(key, projectId);
          return projectId;
        },
        (error: unknown) => {
          // Tried again by the next call: IAM may answer then (a refusal says so again).
          lookup = undefined;
          throw error;
        },
      );
      return signal ? untilAborted(lookup, signal) : lookup;
    },
  };
}

/** The promise, or the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

async function discover(options: DiscoveryOptions): Promise<string> {
  let listed: Awaited<ReturnType<DiscoveryOptions["list"]>>;
  try {
    listed = await options.list(undefined);
  } catch (error) {
    throw inContext(error, options);
  }
  const { data, traceId } = listed;
  // As the official SDKs read it: whatever IAM lists for the name (it filters), one or not.
  const only = data.projects.length === 1 ? data.projects[0] : undefined;
  if (only) return only.id;
  const candidates = data.projects.map((p): ProjectCandidate => ({ id: p.id, name: p.name, parentId: p.parent_id }));
  throw new ImsProjectDiscoveryError(options.region, candidates, { iamEndpoint: options.iamEndpoint, traceId });
}

/**
 * A failed listing, said as what it was: the call that asked IAM for the project (the caller
 * called an IMS operation and would otherwise read IAM's refusal as IMS's), as the official SDKs
 * say "Failed to get project id of region …". The error keeps its class and fields.
 */
function inContext(error: unknown, options: DiscoveryOptions): unknown {
  if (!(error instanceof ImsError)) return error;
  // The answer's words are IAM's, not IMS's (ImsApiError names IMS by default).
  const said = error.message.replace(/^IMS answered/, "IAM answered");
  error.message = `Finding the project of region "${options.region}" through IAM (${options.iamEndpoint}/v3/projects) failed: ${said}`;
  return error;
}

/** Forgets every project found (for tests that start over). */
export function forgetProjects(): void {
  found.clear();
}
