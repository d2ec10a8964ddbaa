/**
 * The suite's view of paging. The walk itself is the client's (`transport.pages`, following the
 * operation table's `pagination`, refusing a marker that comes back and, bounded, a paging that
 * does not end); the suite watches each page on the way (`observe`) and fails on what the client
 * does not check: a page larger than asked for, a `page_info.current_count` that is not the
 * page's size, an item listed twice. `checkPaging` then compares one big page with small pages.
 */
import type { OperationId } from "../../generated/operations.js";
import { transportOf, type ImsClient } from "../client.js";
import { ImsError } from "../errors.js";
import { operationSpec, pick, preset, type PaginatedOperationId } from "../operations.js";
import type { PageSeen, SendInput, Sent, Transport } from "../transport.js";
import { fail, route, type CheckContext } from "./context.js";

/** The server's paging is broken. */
export class PagingError extends ImsError {}

type Item = Record<string, unknown>;

export interface PageWalk {
  items: Item[];
  pages: number;
  /** The limit asked for on each page. */
  pageSize: number;
}

export interface WalkOptions {
  pageSize: number;
  signal?: AbortSignal | undefined;
  /** Give up (the paging does not end) after this many pages (default: 1000). */
  maxPages?: number | undefined;
}

/** What identifies an item of a listing: a member's `member_id`, an image's `id`. */
export function itemKey(item: Item): string {
  const key = item.member_id ?? item.id;
  return typeof key === "string" ? key : JSON.stringify(item);
}

/** The largest page the operation's limit parameter allows (its schema's `maximum`), or 1000. */
export function maxPageSize(id: OperationId): number {
  const spec = operationSpec(id);
  const limit = spec.pagination ? spec.input.query?.[spec.pagination.limit] : undefined;
  return typeof limit?.maximum === "number" ? limit.maximum : 1000;
}

/** The transport a client of `createImsClient` calls through (the suite's clients all are). */
function transportFor(client: ImsClient): Transport {
  const transport = transportOf(client);
  if (!transport) throw new TypeError("the contract checks need clients made by createImsClient");
  return transport;
}

/** The suite's checks of each page, for `transport.pages`'s `observe`; `firstSeen` maps each item to its page. */
function pageChecker(id: OperationId, pageSize: number, firstSeen: Map<string, number>) {
  const what = route(id);
  return (page: Sent<unknown>, seen: PageSeen) => {
    const marker = seen.marker === undefined ? "" : `, marker ${JSON.stringify(seen.marker)}`;
    const where = `${what} page ${seen.number} (limit ${pageSize}${marker})`;
    const size = seen.items.length;
    if (size > pageSize) throw new PagingError(`${where} holds ${size} items, more than the limit asked for`);
    const count = pick(page.data, "page_info.current_count");
    if (typeof count === "number" && count !== size) throw new PagingError(`${where} says current_count ${count} but holds ${size} items`);
    for (const item of seen.items as Item[]) {
      const key = itemKey(item);
      const earlier = firstSeen.get(key);
      if (earlier !== undefined) throw new PagingError(`${where} lists ${key} again, already listed on page ${earlier}`);
      firstSeen.set(key, seen.number);
    }
  };
}

/**
 * Every page of `id` with `input`, `pageSize` items a page, through `client`'s own transport.
 * Throws `PagingError` naming what is wrong with a page, and the transport's `ImsResponseError`
 * for a marker that comes back or a paging that does not end.
 */
export async function walkPages(client: ImsClient, id: PaginatedOperationId, input: SendInput, options: WalkOptions): Promise<PageWalk> {
  const paging = operationSpec(id).pagination!;
  const { pageSize, signal, maxPages = 1000 } = options;
  const firstSeen = new Map<string, number>();
  const observe = pageChecker(id, pageSize, firstSeen);
  const items: Item[] = [];
  let pages = 0;
  const query = { ...input.query, [paging.limit]: pageSize };
  for await (const page of transportFor(client).pages(id, { ...input, query }, { signal, maxPages, observe })) {
    items.push(...(pick(page.data, paging.items) as Item[]));
    pages++;
  }
  return { items, pages, pageSize };
}

/** `?a=1&b=2` for a report. */
const showQuery = (query: Record<string, unknown> | undefined) => {
  const entries = Object.entries(query ?? {}).filter(([, v]) => v !== undefined);
  return entries.length ? `?${entries.map(([k, v]) => `${k}=${String(v)}`).join("&")}` : "";
};

/** Walks a paginated read twice, one big page and small pages, and fails when the two disagree. */
export async function checkPaging(
  ctx: CheckContext,
  client: ImsClient,
  id: PaginatedOperationId,
  input: SendInput,
  who: string,
): Promise<void> {
  const where = `${who}: ${route(id)}${showQuery(input.query)}`;
  const whole = await walkPages(client, id, input, { pageSize: maxPageSize(id), signal: ctx.signal });
  const pageSize = Math.max(1, Math.ceil(whole.items.length / 3));
  const paged = await walkPages(client, id, input, { pageSize, signal: ctx.signal, maxPages: whole.items.length + 5 });
  const a = new Set(whole.items.map(itemKey));
  const b = new Set(paged.items.map(itemKey));
  const onlyWhole = [...a].filter((k) => !b.has(k));
  const onlyPaged = [...b].filter((k) => !a.has(k));
  if (onlyWhole.length || onlyPaged.length) {
    const fromSmall = onlyWhole.length ? `; missing from the small pages: ${onlyWhole.join(", ")}` : "";
    const fromBig = onlyPaged.length ? `; missing from the big page: ${onlyPaged.join(", ")}` : "";
    const pages = `one page of ${whole.pageSize} and ${paged.pages} pages of ${pageSize}`;
    fail(`${where}: ${pages} list different items${fromSmall}${fromBig}: a page drops items`);
  }
}

/** An image's members, every page (loops and repeats caught), by member ID. */
export async function membersOf(ctx: CheckContext, image: string): Promise<Map<string, string>> {
  const id = "listImageMembers";
  const walk = await walkPages(ctx.owner, id, { path: { image_id: image } }, { pageSize: maxPageSize(id), signal: ctx.signal });
  return new Map(walk.items.map((m) => [itemKey(m), String(m.status)]));
}

/** The images shared with the recipient whose share is `status`, every page. */
export async function sharedWith(ctx: CheckContext, status: "pending" | "accepted" | "rejected"): Promise<Set<string>> {
  const id = "listImages";
  const input = { query: { ...preset(id, "shared"), member_status: status } };
  const walk = await walkPages(ctx.recipient!.client, id, input, { pageSize: maxPageSize(id), signal: ctx.signal });
  return new Set(walk.items.map(itemKey));
}
