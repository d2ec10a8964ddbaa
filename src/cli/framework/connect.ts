/**
 * The client of a run, from the connection flags and then the environment, by the one rule of
 * src/environment.ts (a flag beats any variable; two of different kinds are refused), and how it
 * reached IMS and found its project, for the hints that must reach it the same way and for
 * `ims-sharing project`. Without a project ID the region's project is found through IAM (as the
 * official SDKs do); with a custom --endpoint that needs IAM's endpoint and the region named.
 */
import { createImsClient } from "../../client.js";
import { DEFAULT_IAM_ENDPOINT } from "../../discovery.js";
import { resolveCredentials, resolvePlace, type Place } from "../../environment.js";
import { inCliTerms } from "../output/report.js";
import { UsageError } from "../output/usage-error.js";
import type { CliIo, Connection, ParsedValues, ProjectSource } from "./types.js";

/** A string flag's value, if given. */
export function stringValue(values: ParsedValues, flag: string): string | undefined {
  const value = values[flag];
  return typeof value === "string" ? value : undefined;
}

const given = (value: string | undefined) => (value ? value : undefined);

/** Your own project, as given: `--project-id`, else HUAWEICLOUD_SDK_PROJECT_ID. */
export function givenProject(values: ParsedValues, env: CliIo["env"]): { projectId: string; from: "flag" | "env" } | undefined {
  const flag = given(stringValue(values, "project-id"));
  if (flag) return { projectId: flag, from: "flag" };
  const variable = given(env.HUAWEICLOUD_SDK_PROJECT_ID);
  return variable ? { projectId: variable, from: "env" } : undefined;
}

/** IAM's endpoint: `--iam-endpoint`, else HUAWEICLOUD_SDK_IAM_ENDPOINT, else none given. */
function iamEndpointOf(values: ParsedValues, env: CliIo["env"]): { url: string; from: "flag" | "env" } | undefined {
  const flag = given(stringValue(values, "iam-endpoint"));
  if (flag) return { url: flag, from: "flag" };
  const variable = given(env.HUAWEICLOUD_SDK_IAM_ENDPOINT);
  return variable ? { url: variable, from: "env" } : undefined;
}

/**
 * Where IMS is, and the region whose project is found. An endpoint and a region together (both
 * flags, or both variables and no flag) are refused as always, unless IAM's endpoint is given:
 * then IMS is called at the endpoint and the region names the project IAM is asked for.
 */
function placeOf(values: ParsedValues, env: CliIo["env"], iam: boolean): { place: Place; projectRegion?: string } | { problem: string } {
  const endpointFlag = given(stringValue(values, "endpoint"));
  const regionFlag = given(stringValue(values, "region"));
  const noFlag = !endpointFlag && !regionFlag;
  const pair =
    endpointFlag && regionFlag
      ? { endpoint: endpointFlag, region: regionFlag }
      : noFlag && given(env.IMS_ENDPOINT) && given(env.HUAWEICLOUD_SDK_REGION)
        ? { endpoint: env.IMS_ENDPOINT as string, region: env.HUAWEICLOUD_SDK_REGION as string }
        : undefined;
  if (pair && iam) return { place: { endpoint: pair.endpoint }, projectRegion: pair.region };
  const place = resolvePlace({ endpoint: endpointFlag, region: regionFlag }, env);
  if ("problem" in place) {
    if (!pair) return place;
    const iamNote = "with --iam-endpoint, or HUAWEICLOUD_SDK_IAM_ENDPOINT, the region names the project found through IAM";
    return { problem: `${place.problem} (${iamNote})` };
  }
  return place.region === undefined ? { place } : { place, projectRegion: place.region };
}

/** Why a run with --endpoint and no project cannot find one: what to give. */
function noProjectWhy(iam: boolean): string {
  return iam
    ? "with --endpoint, the project is found through IAM for --region (or HUAWEICLOUD_SDK_REGION), which is not given: " +
        "give --region, or --project-id (or HUAWEICLOUD_SDK_PROJECT_ID)"
    : "with --endpoint, IAM's endpoint is not known: give --project-id (or HUAWEICLOUD_SDK_PROJECT_ID), or --iam-endpoint " +
        "(or HUAWEICLOUD_SDK_IAM_ENDPOINT) and --region to find it through IAM";
}

/** The client, from the flags and then the environment; a usage error names what is missing or conflicting. */
export function connect(values: ParsedValues, io: CliIo, name: string): Connection {
  const string = (flag: string) => stringValue(values, flag);
  const iam = iamEndpointOf(values, io.env);
  const where = placeOf(values, io.env, iam !== undefined);
  if ("problem" in where) throw new UsageError(where.problem, name);
  const { place, projectRegion } = where;
  const credentials = resolveCredentials(
    { accessKey: string("access-key"), secretKey: string("secret-key"), securityToken: string("security-token"), token: string("token") },
    io.env,
  );
  if ("problem" in credentials) throw new UsageError(credentials.problem, name);
  const known = givenProject(values, io.env);
  const project: ProjectSource =
    known ??
    (projectRegion !== undefined
      ? { from: "iam", region: projectRegion, iamEndpoint: iam?.url ?? DEFAULT_IAM_ENDPOINT }
      : { from: "none", why: noProjectWhy(iam !== undefined) });
  try {
    const client = createImsClient({
      ...io.client,
      auth: credentials.auth,
      ...(place.endpoint !== undefined ? { endpoint: place.endpoint } : {}),
      ...(projectRegion !== undefined ? { region: projectRegion } : {}),
      ...(known ? { projectId: known.projectId } : {}),
      ...(iam ? { iamEndpoint: iam.url } : {}),
      ...(values["allow-insecure-http"] === true ? { allowInsecureHttp: true } : {}),
    });
    return {
      client,
      place,
      credentials: credentials.source,
      project,
      ...(place.endpoint !== undefined && projectRegion !== undefined && !known ? { projectRegion } : {}),
      ...(iam && !known ? { iamEndpoint: { url: iam.url, flag: iam.from === "flag" } } : {}),
    };
  } catch (error) {
    throw inCliTerms(error, "connection");
  }
}
