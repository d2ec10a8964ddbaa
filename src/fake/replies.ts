/**
 * The fake's answers as they are about to be sent, and the two error bodies a client meets: IMS's
 * own (`{"error": {"code", "message"}}`) and the API gateway's (`error_code`, `error_msg`,
 * `request_id`).
 */

/** An answer about to be sent; `transform` may rewrite it. */
export interface FakeReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An IMS error body. */
export const imsError = (code: string, message: string) => JSON.stringify({ error: { code, message } });
/** An API gateway error body. */
export const gatewayError = (code: string, message: string, requestId: string) =>
  JSON.stringify({ error_code: code, error_msg: message, request_id: requestId });
/** An answer with no headers of its own. */
export const reply = (status: number, body: string): FakeReply => ({ status, headers: {}, body });
