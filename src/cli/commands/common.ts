/**
 * Pieces several entries of the command table share: flags for images and page sizes, the
 * answers a recipient gives a share, why a command needs your project, and the printer of rows
 * (a table on a terminal, a line per row in a pipe).
 */
import type { Flags } from "../framework/types.js";
import type { Output } from "../output/printer.js";
import { UsageError } from "../output/usage-error.js";

export const IMAGES = {
  type: "string",
  multiple: true,
  required: true,
  value: "ID",
  help: "an image ID (a UUID); repeat for several",
} as const satisfies Flags[string];
export const ONE_IMAGE = { type: "string", required: true, value: "ID", help: "the image ID (a UUID)" } as const satisfies Flags[string];
export const PAGE_SIZE = {
  type: "string",
  value: "N",
  help: "items per request (1-1000); every page is read whatever the size",
} as const satisfies Flags[string];

/** `--page-size` as a number. */
export function pageSize(text: string | undefined, command: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1000)
    throw new UsageError(`--page-size: "${text}" is not a whole number from 1 to 1000`, command);
  return n;
}

export const OWNER_PROJECT_WHY = "it is the image owner's project, where the image's members are listed";
export const RECIPIENT_PROJECT_WHY = "it is the recipient project that answers the share (the request's project_id)";

/** The answers a recipient gives a share; IMS lists shared images by one of them at a time. */
export const SHARE_STATUSES = ["pending", "accepted", "rejected"] as const;
export type ShareStatus = (typeof SHARE_STATUSES)[number];

/**
 * Streams rows: each row as it comes (tab-separated) when stdout is not a terminal, one aligned
 * table at the end on a terminal.
 */
export function rowPrinter(out: Output, headers: readonly string[], empty: string) {
  const rows: string[][] = [];
  return {
    add(row: string[]) {
      if (out.terminal) rows.push(row);
      else out.line(row.join("\t"));
    },
    end() {
      if (!out.terminal) return;
      if (rows.length) out.table(headers, rows);
      else out.line(empty);
    },
  };
}
