/**
 * The one place that knows where IMS lives: the spec's server template
 * (`https://ims.{region}.myhuaweicloud.com`) filled with a region, or an explicit endpoint.
 */
import { server } from "../generated/schemas.js";
import type { ValidationIssue } from "./validate.js";

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** Whether a URL's hostname is this machine (where plain http:// and a local fake are fine). */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/** The IMS endpoint of a region, such as `cn-north-4`. */
export function regionEndpoint(region: string): string {
  return server.url.replace("{region}", region);
}

/**
 * The base URL to call, from `endpoint` (wins) or `region`, with the problems found in either.
 */
export function resolveEndpoint(options: { region?: string | undefined; endpoint?: string | undefined }): {
  baseUrl?: string;
  issues: ValidationIssue[];
} {
  const { region, endpoint } = options;
  if (endpoint !== undefined) return baseUrlOf(endpoint, "endpoint", regionEndpoint(server.defaultRegion));
  if (region === undefined) {
    return { issues: [{ path: "region", message: `is required when no endpoint is given (for example "${server.defaultRegion}")` }] };
  }
  if (typeof region !== "string" || !REGION.test(region)) {
    return {
      issues: [{ path: "region", message: `must be a region ID such as "${server.defaultRegion}", got ${JSON.stringify(region)}` }],
    };
  }
  return { baseUrl: regionEndpoint(region), issues: [] };
}

/** A base URL given as an option (`endpoint`, `iamEndpoint`): an http(s) URL without query, fragment or credentials. */
export function baseUrlOf(value: string, option: string, example: string): { baseUrl?: string; issues: ValidationIssue[] } {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || !["http:", "https:"].includes(url.protocol) || url.search || url.hash || url.username || url.password) {
    return { issues: [{ path: option, message: `must be an http(s) URL without query, fragment or credentials, such as ${example}` }] };
  }
  return { baseUrl: url.href.replace(/\/+$/, ""), issues: [] };
}

/** The problem with a base URL that would carry credentials in clear text over a network (plain http:// off this machine). */
export function clearTextIssue(baseUrl: string, option: string): ValidationIssue[] {
  const url = new URL(baseUrl);
  if (url.protocol !== "http:" || isLoopback(url.hostname)) return [];
  return [
    {
      path: option,
      message: `is plain http:// to ${url.hostname}, which would send credentials in clear text; use https://, or set allowInsecureHttp: true if you must`,
    },
  ];
}
