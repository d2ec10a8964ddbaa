// The client in a browser: the package bundled with esbuild for the browser platform, loaded in
// Debian's Chromium from one 127.0.0.1 origin, calling the fake IMS on another (CORS), with a
// token and with AK/SK signing verified by the fake. Nothing may leave the machine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "esbuild";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { SEED_IMAGES, SEED_PROJECTS, startFakeIms, type FakeIms } from "../../src/fake/index.js";
import { launchChromium } from "../helpers/chromium.js";

// Undefined until beforeAll has made them (afterAll closes what was made).
let browser: Browser | undefined;
let fake: FakeIms | undefined;
let server: Server | undefined;
let pageUrl: string;
let bundleBytes = 0;
let bundleText = "";

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL("browser-app.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    minify: true,
    // As a user's bundler would: package.json's imports map picks the Web Crypto #crypto, not
    // the repo's tsconfig paths (which point the type-check at the Node one).
    tsconfigRaw: "{}",
    alias: { "ims-sharing": fileURLToPath(new URL("../../dist/src/index.js", import.meta.url)) },
  });
  const js = bundle.outputFiles[0]!.contents;
  bundleBytes = js.length;
  bundleText = bundle.outputFiles[0]!.text;
  const html = '<!doctype html><meta charset="utf-8"><title>ims-sharing in a browser</title><script type="module" src="/app.js"></script>';
  server = createServer((req, res) => {
    const isJs = req.url?.startsWith("/app.js");
    res.writeHead(200, { "content-type": isJs ? "text/javascript" : "text/html" });
    res.end(isJs ? js : html);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  fake = await startFakeIms({ jobDurationMs: 300, credentials: { BROWSERAK: { secretKey: "browser-secret-key" } } });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await fake?.close();
  if (server) await new Promise((resolve) => server!.close(resolve));
});

describe("the client bundled for a browser", () => {
  it("bundles for the browser platform without Node built-ins, on Web Crypto", () => {
    expect(bundleBytes).toBeGreaterThan(1_000);
    expect(bundleText).toContain("crypto.subtle");
    expect(bundleText).not.toMatch(/createHmac|node:crypto/);
  });

  it.each([
    ["token", 0],
    ["aksk", 1],
  ] as const)("stops sharing and waits for the job with %s auth", async (auth, i) => {
    // Requests are observed, not intercepted: with routing on, Playwright answers CORS
    // preflights itself and the fake's CORS handling would go untested.
    const context = await browser!.newContext();
    const remote: string[] = [];
    context.on("request", (request) => {
      if (new URL(request.url()).hostname !== "127.0.0.1") remote.push(request.url());
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      const query = new URLSearchParams({ endpoint: fake!.url, auth, image: SEED_IMAGES[i], project: SEED_PROJECTS[i] });
      await page.goto(`${pageUrl}?${query}`);
      await page.waitForFunction(() => document.body.dataset.result, undefined, { timeout: 30_000 });
      const result = JSON.parse((await page.evaluate(() => document.body.dataset.result))!) as Record<string, string>;
      expect(result, JSON.stringify(result)).toMatchObject({ status: "SUCCESS" });
      expect(errors).toEqual([]);
      expect(remote).toEqual([]);
      expect(fake!.state.membersOf(SEED_IMAGES[i])).not.toContain(SEED_PROJECTS[i]);
      // The browser really went through CORS preflights to the fake's other origin.
      expect(fake!.requests.some((r) => r.method === "OPTIONS")).toBe(true);
    } finally {
      await context.close();
    }
  });
});
