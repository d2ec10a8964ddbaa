/**
 * The printer: text for people (a live line on a terminal, aligned tables) or JSON lines for
 * scripts (`--json`). Each command calls both kinds, and only the right one prints. Every JSON
 * line goes through `Output.event`, whose fields are typed by `JSON_EVENTS`, so the documented
 * events and the printed ones cannot drift apart.
 */
import type { JsonEventFields, JsonEventName } from "./events.js";

/** Where the printer writes: a line to stdout or stderr (the newline is added), and whether stdout is a terminal. */
export interface OutputIo {
  /** One line to stdout (the newline is added). */
  out: (text: string) => void;
  /** One line to stderr (the newline is added). */
  err: (text: string) => void;
  /** Whether stdout is a terminal: live progress and tables instead of plain lines. */
  isTTY: boolean;
}

/** Text for people or JSON lines for scripts: each command calls both, and only the right one prints. */
export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  /** A terminal without --json: live progress lines and aligned tables. */
  readonly live: boolean;
  readonly terminal: boolean;
  readonly #io: Pick<OutputIo, "out" | "err">;

  constructor(io: OutputIo, options: { json?: boolean; verbose?: boolean } = {}) {
    this.#io = io;
    this.json = options.json ?? false;
    this.verbose = options.verbose ?? false;
    this.terminal = io.isTTY;
    this.live = io.isTTY && !this.json;
  }

  /** A JSON line, with --json only. */
  event<E extends JsonEventName>(name: E, fields: JsonEventFields<E>): void {
    if (this.json) this.#io.out(JSON.stringify({ event: name, ...fields }));
  }

  /** A line of text on stdout, without --json only. */
  line(text: string): void {
    if (!this.json) this.#io.out(text);
  }

  /** A line on stderr, whatever the mode (warnings, hints, errors). */
  note(text: string): void {
    this.#io.err(text);
  }

  /** Rewrites the live line in place (terminal only). */
  liveLine(text: string): void {
    if (this.live) this.#io.out(`\r\x1b[2K${text}\x1b[1A`);
  }

  /** Leaves the live line as it last stood. */
  endLive(): void {
    if (this.live) this.#io.out("");
  }

  /** Erases the live line (Ctrl-C: what it said is no longer true); what follows is written in its place. */
  clearLive(): void {
    if (this.live) this.#io.out("\r\x1b[2K\x1b[1A");
  }

  /** Rows as an aligned table with a header on a terminal, tab-separated values without one otherwise. */
  table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
    if (!this.terminal) {
      for (const row of rows) this.line(row.join("\t"));
      return;
    }
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const format = (cells: readonly string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd();
    this.line(format(headers));
    for (const row of rows) this.line(format(row));
  }
}
