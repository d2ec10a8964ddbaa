/**
 * A failure's reproducer: the exact request of an exchange as a `curl` command a person pastes
 * into a POSIX shell, sent to the upstream itself (the run's proxies are gone once it ends). A
 * credential is never written out: a token is a variable (`$IMS_TOKEN`, the recipient's
 * `$IMS_RECIPIENT_TOKEN`, which the CLI reads too); an AK/SK signature covers the request's date
 * and cannot be replayed, so the command says the request must be signed instead.
 */
import type { Exchange } from "./observe.js";

/** The variable a reproducer names for each sender's token: the CLI's own variables. */
const TOKEN_VARIABLES: Record<string, string> = { recipient: "IMS_RECIPIENT_TOKEN" };
const DEFAULT_TOKEN_VARIABLE = "IMS_TOKEN";

/** Headers curl sets itself, or that only held for that one connection. */
const LEFT_OUT = new Set(["host", "content-length", "connection", "accept-encoding"]);

/** `'…'` for a POSIX shell: nothing inside is expanded. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The variable holding the token the exchange's sender used. */
export function tokenVariable(exchange: Exchange): string {
  return TOKEN_VARIABLES[exchange.via ?? ""] ?? DEFAULT_TOKEN_VARIABLE;
}

export interface Reproducer {
  /** The `curl` command, over several lines joined by ` \`. */
  command: string;
  /** What the command cannot do by itself (a signature to make, a body cut short). */
  notes: string[];
}

/** The exchange's request as a `curl` command, with no credential in it. */
export function reproducerFor(exchange: Exchange): Reproducer {
  const url = `${exchange.upstream ?? exchange.origin ?? ""}${exchange.path}`;
  const lines = [`curl -sS -i -X ${exchange.method} ${shellQuote(url)}`];
  const notes: string[] = [];
  for (const [name, value] of Object.entries(exchange.requestHeaders ?? {})) {
    if (!LEFT_OUT.has(name.toLowerCase())) lines.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  }
  if (exchange.auth === "token") {
    // Double quotes: the shell expands the variable, so the token is in the environment only.
    lines.push(`-H "X-Auth-Token: $${tokenVariable(exchange)}"`);
  } else if (exchange.auth === "aksk") {
    notes.push(
      "the request was signed with AK/SK (SDK-HMAC-SHA256): a signature covers the request's date and cannot be replayed, " +
        "so sign it first (add its Authorization and X-Sdk-Date headers), or send it with an IAM token in X-Auth-Token",
    );
  }
  if (exchange.requestBody !== undefined) {
    lines.push(`--data-raw ${shellQuote(exchange.requestBody)}`);
    if (exchange.requestBody.endsWith("…")) notes.push("the body is cut short here: the request's was longer");
  }
  return { command: lines.join(" \\\n  "), notes };
}
