// The suite's watch on paging (src/contract/paging.ts), against a scripted server: the walk is
// the client's own (transport.pages), the suite's checks fail each broken page at once and say
// which page and why — a page larger than asked for, a current_count that is not the page's
// size, an item listed twice — and the client's own refusals (a marker that comes back, a
// paging that does not end) reach the check as they are.
import { afterEach, describe, expect, it } from "vitest";
import { createImsClient, ImsResponseError } from "../../src/index.js";
import { PagingError, walkPages } from "../../src/contract/paging.js";
import { IMAGES, PROJECT_ID, PROJECTS } from "../helpers/fixtures.js";
import { startScriptedServer, type Handler, type ScriptedServer } from "../helpers/scripted-server.js";

let server: ScriptedServer | undefined;
afterEach(() => server?.close());
const IMAGE = IMAGES[0]!;
const member = (id: string) => ({ member_id: id, status: "accepted", image_id: IMAGE, schema: "/v2/schemas/member" });
const page = (ids: string[], next = "", count = ids.length) => ({
  members: ids.map(member),
  page_info: { next_marker: next, current_count: count },
});

async function walk(handler: Handler, pageSize: number, maxPages?: number) {
  server = await startScriptedServer(handler);
  const ims = createImsClient({ endpoint: server.url, projectId: PROJECT_ID, auth: { token: "t" }, retry: false });
  return walkPages(ims, "listImageMembers", { path: { image_id: IMAGE } }, { pageSize, maxPages });
}

const [A, B, C] = [PROJECTS[0]!, PROJECTS[1]!, "0123456789abcdef0123456789abcdef"];

describe("walkPages: the client's walk, the suite's checks", () => {
  it("walks every page through the client's transport, asking each for the page size", async () => {
    const pages = [page([A, B], "bWFya2VyLTE="), page([C])];
    const result = await walk((_r, i) => ({ body: pages[i] }), 2);
    expect(result.items.map((m) => m.member_id)).toEqual([A, B, C]);
    expect(result).toMatchObject({ pages: 2, pageSize: 2 });
    expect(server!.requests.map((r) => r.path)).toEqual([
      `/v1/${PROJECT_ID}/cloudimages/${IMAGE}/members?limit=2`,
      `/v1/${PROJECT_ID}/cloudimages/${IMAGE}/members?limit=2&marker=bWFya2VyLTE%3D`,
    ]);
  });

  it.each([
    ["a page larger than asked for", () => page([A, B, C]), /members page 1 \(limit 2\) holds 3 items, more than the limit asked for/],
    [
      "a current_count that is not the page's size",
      () => page([A], "", 2),
      /members page 1 \(limit 2\) says current_count 2 but holds 1 items/,
    ],
  ])("fails on %s, naming the page", async (_what, body, message) => {
    const failed = walk(() => ({ body: body() }), 2);
    await expect(failed).rejects.toThrow(PagingError);
    await expect(failed).rejects.toThrow(message);
  });

  it("fails on an item listed twice, naming both pages, and asks for no page more", async () => {
    const pages = [page([A, B], "bWFya2VyLTE="), page([B], "bWFya2VyLTI="), page([])];
    const failed = walk((_r, i) => ({ body: pages[i] }), 2);
    await expect(failed).rejects.toThrow(
      new RegExp(`members page 2 \\(limit 2, marker "bWFya2VyLTE="\\) lists ${B} again, already listed on page 1`),
    );
    expect(server!.requests).toHaveLength(2);
  });

  it("leaves a marker that comes back to the client, which calls it a loop", async () => {
    const pages = [page([A], "c2FtZQ=="), page([B], "c2FtZQ==")];
    const failed = walk((_r, i) => ({ body: pages[i] }), 1);
    await expect(failed).rejects.toThrow(ImsResponseError);
    await expect(failed).rejects.toThrow(/members answered the marker "c2FtZQ==" twice: the server's paging loops/);
  });

  it("gives up on a paging that does not end after maxPages pages", async () => {
    const failed = walk((_r, i) => ({ body: page([`${"0".repeat(30)}${String(i).padStart(2, "0")}`], `bWFya2Vy${i}`) }), 1, 3);
    await expect(failed).rejects.toThrow(/still more pages after 3 pages: the server's paging does not end/);
    expect(server!.requests).toHaveLength(3);
  });
});
