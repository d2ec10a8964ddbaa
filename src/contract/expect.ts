/**
 * Expectations the checks share: a documented refusal of something that does not exist, an
 * error answer read by hand (status, documented shape, `X-Request-Id`), and a change read back
 * until it shows (a read may lag behind a job's end). Each ends the check with `fail`, naming
 * what was expected and what came.
 */
import type { OperationId } from "../../generated/operations.js";
import { ImsApiError } from "../errors.js";
import { sleep } from "../signals.js";
import { describeError, fail, type CheckContext } from "./context.js";

/** `401 APIGW.0301`: an answer's status and code, as reports name them. */
const statusOf = (error: ImsApiError) => `${error.status}${error.code ? ` ${error.code}` : ""}`;

/**
 * The refusal of something that does not exist: an `ImsApiError` with a status the operation
 * declares, 4xx but neither 401/403 (credentials refused) nor 429 (throttled), in a documented
 * error shape.
 */
export function expectNotFoundRefusal(ctx: CheckContext, error: unknown, operation: OperationId, what: string): void {
  if (!(error instanceof ImsApiError)) fail(`${what}: expected a refusal from IMS, got ${describeError(error)}`);
  const declared = ctx.spec.statuses(operation);
  const expected = `${what}: expected a documented 4xx other than 401/403, got ${statusOf(error)}`;
  if (error.status === 401 || error.status === 403) fail(`${expected}: the credentials were refused, so nothing else was checked`);
  if (error.status < 400 || error.status >= 500 || error.status === 429) fail(expected);
  if (!declared.includes(error.status))
    fail(`${what}: ${error.status} is not a status the spec declares for ${operation} (${declared.join(", ")})`);
  if (!error.fromIms) fail(`${what}: the ${error.status} answer has neither documented error shape: ${JSON.stringify(error.body)}`);
}

/** An answer read by hand. */
export interface Answer {
  status: number;
  text: string;
  requestId: string | null;
}

export async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, text: await response.text(), requestId: response.headers.get("x-request-id") };
}

/** The gateway's own error shape: `{"error_code": "APIGW.…", "error_msg": …}`. */
function isGatewayError(body: unknown): boolean {
  const b = body as { error_code?: unknown; error_msg?: unknown };
  return typeof b.error_code === "string" && b.error_code.startsWith("APIGW.") && typeof b.error_msg === "string";
}

/** A status, a documented error body and an `X-Request-Id`, on an answer read by hand. */
export function expectErrorAnswer(
  ctx: CheckContext,
  answer: Answer,
  expected: number,
  what: string,
  shape: "any" | "gateway" = "any",
): void {
  const { status, text } = answer;
  const excerpt = text.replace(/\s+/g, " ").slice(0, 300);
  if (status !== expected) fail(`${what}: expected ${expected}, got ${status}: ${excerpt}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`${what}: the ${expected} answer is not JSON: ${excerpt}`);
  }
  const issues = ctx.spec.errorBodyIssues(body);
  if (issues.length) {
    const found = issues.map((i) => `${i.path} ${i.message}`).join("; ");
    fail(`${what}: the ${expected} answer has neither documented error shape (${found}): ${excerpt}`);
  }
  if (shape === "gateway" && !isGatewayError(body))
    fail(`${what}: expected the gateway's shape {"error_code": "APIGW.…", "error_msg": …}, got ${excerpt}`);
  if (!answer.requestId) fail(`${what}: the ${expected} answer has no X-Request-Id header`);
}

/**
 * Reads the state back until `probe` finds nothing wrong, for up to `readBackMs` (a read may lag
 * behind a job's end); then fails with what is still wrong.
 */
export async function readBack(ctx: CheckContext, after: string, probe: () => Promise<string | undefined>): Promise<void> {
  const limit = ctx.target.readBackMs ?? 10_000;
  const started = Date.now();
  for (;;) {
    const wrong = await probe();
    if (wrong === undefined) return;
    if (Date.now() - started >= limit)
      fail(`${after}, the change did not happen: ${wrong} (read back for ${Math.round(limit / 100) / 10} s)`);
    await sleep(Math.min(500, limit), ctx.signal);
  }
}
