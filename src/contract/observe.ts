/**
 * A fetch that records every exchange with the validating Prism in front of it, and the
 * violations Prism reports: in `sl-violations` (any severity: Prism passes an undeclared 4xx
 * through with only a warning), or, for a request it refuses without forwarding (proxy mode,
 * 422), in the `validation` list of its problem+json body.
 */

export interface Violation {
  location: string[];
  severity: string;
  code?: string;
  message: string;
}

export interface Exchange {
  method: string;
  path: string;
  status: number;
  violations: Violation[];
}

export function parseViolations(header: string | null): Violation[] {
  if (!header) return [];
  try {
    const parsed = JSON.parse(header) as unknown;
    return Array.isArray(parsed) ? (parsed as Violation[]) : [{ location: [], severity: "Error", message: header }];
  } catch {
    return [{ location: [], severity: "Error", message: header }];
  }
}

/** `where: message`, as a person reads it: `response.body.job_id: must have required property`. */
export function describeViolation(v: Violation): string {
  return `${v.severity.toLowerCase()} at ${v.location.join(".") || "(message)"}: ${v.message}`;
}

/** Wraps `inner` (default: the global fetch), appending each exchange to `log`. */
export function observedFetch(log: Exchange[], inner: (request: Request) => Promise<Response> = (r) => fetch(r)) {
  return async (request: Request): Promise<Response> => {
    const response = await inner(request);
    const url = new URL(request.url);
    let violations = parseViolations(response.headers.get("sl-violations"));
    if (!violations.length && response.headers.get("content-type")?.startsWith("application/problem+json")) {
      const problem = (await response.clone().json().catch(() => ({}))) as { validation?: Violation[] };
      violations = problem.validation ?? [];
    }
    log.push({ method: request.method, path: url.pathname + url.search, status: response.status, violations });
    return response;
  };
}
