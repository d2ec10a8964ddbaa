/**
 * Walking every page of a paginated operation, as its entry in the operation table says
 * (`pagination`: where the items are, the limit and marker parameters, and where the next marker
 * comes from: a body field, or the last item's ID), checking the paging itself on the way: a
 * marker that comes back (a loop), an item listed twice, a page larger than asked for, a
 * `current_count` that is not the page's size, and no end in sight.
 */
import type { OperationId } from "../../generated/operations.js";
import { ImsError } from "../errors.js";
import { operationSpec, pick } from "../operations.js";
import type { SendInput, Transport } from "../transport.js";

/** The server's paging is broken. */
export class PagingError extends ImsError {}

export interface PageWalk {
  items: Array<Record<string, unknown>>;
  pages: number;
  /** The limit asked for on each page. */
  pageSize: number;
}

export interface WalkOptions {
  pageSize: number;
  signal?: AbortSignal | undefined;
  /** Give up (as a loop) after this many pages (default: 1000). */
  maxPages?: number | undefined;
}

/** What identifies an item of a listing: a member's `member_id`, an image's `id`. */
export function itemKey(item: Record<string, unknown>): string {
  const key = item.member_id ?? item.id;
  return typeof key === "string" ? key : JSON.stringify(item);
}

/** The largest page the operation's limit parameter allows (its schema's `maximum`), or 1000. */
export function maxPageSize(id: OperationId): number {
  const spec = operationSpec(id);
  const limit = spec.pagination ? spec.input.query?.[spec.pagination.limit] : undefined;
  return typeof limit?.maximum === "number" ? limit.maximum : 1000;
}

/** Every page of `id` with `input`, `pageSize` items a page. Throws `PagingError` naming what is wrong. */
export async function walkPages(transport: Transport, id: OperationId, input: SendInput, options: WalkOptions): Promise<PageWalk> {
  const spec = operationSpec(id);
  const paging = spec.pagination;
  if (!paging) throw new TypeError(`${id} is not paginated`);
  const what = `${spec.method} ${spec.path}`;
  const maxPages = options.maxPages ?? 1000;
  const items: Array<Record<string, unknown>> = [];
  const firstSeen = new Map<string, number>();
  const markers = new Set<string>();
  let marker: string | undefined;
  for (let page = 1; page <= maxPages; page++) {
    const query = { ...input.query, [paging.limit]: options.pageSize, [paging.marker]: marker };
    const { data } = await transport.send(id, { ...input, query }, { signal: options.signal });
    const onPage = pick(data, paging.items) as Array<Record<string, unknown>>;
    const where = `${what} page ${page} (limit ${options.pageSize}${marker === undefined ? "" : `, marker ${JSON.stringify(marker)}`})`;
    if (onPage.length > options.pageSize) throw new PagingError(`${where} holds ${onPage.length} items, more than the limit asked for`);
    const count = pick(data, "page_info.current_count");
    if (typeof count === "number" && count !== onPage.length) {
      throw new PagingError(`${where} says current_count ${count} but holds ${onPage.length} items`);
    }
    for (const item of onPage) {
      const key = itemKey(item);
      const earlier = firstSeen.get(key);
      if (earlier !== undefined) throw new PagingError(`${where} lists ${key} again, already listed on page ${earlier}`);
      firstSeen.set(key, page);
      items.push(item);
    }
    let next: unknown;
    if (paging.next === "last-id") {
      // A page shorter than the limit asked for (or empty) is the last one.
      next = onPage.length < options.pageSize ? undefined : onPage.at(-1)?.id;
    } else {
      next = pick(data, paging.next);
    }
    if (typeof next !== "string" || next === "") return { items, pages: page, pageSize: options.pageSize };
    if (next === marker || markers.has(next)) {
      throw new PagingError(`${where} gives the marker ${JSON.stringify(next)} for the next page, which came before: the paging loops`);
    }
    markers.add(next);
    marker = next;
  }
  throw new PagingError(`${what}: still more pages after ${maxPages} pages of ${options.pageSize}: the paging does not end`);
}
