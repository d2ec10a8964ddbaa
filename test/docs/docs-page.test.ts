// The rendered API reference: built by the real Redocly, opened in a real Chromium with the
// network blocked. It must render every operation, both error shapes, the examples and the auth
// schemes, and must not try to fetch anything from outside the machine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { buildDocs } from "../../scripts/build-docs.mjs";
import { operations as OPERATIONS } from "../../generated/operations.js";
import bundled from "../../generated/openapi.json" with { type: "json" };
import pkg from "../../package.json" with { type: "json" };
import { launchChromium, offlineContext } from "../helpers/chromium.js";
import { serveFile } from "../helpers/static-server.js";

let dir: string;
// Undefined until beforeAll has launched it.
let browser: Browser | undefined;

async function openOffline(file: string) {
  const server = await serveFile(file);
  const { context, blocked } = await offlineContext(browser!);
  const page = await context.newPage();
  await page.goto(server.url, { waitUntil: "networkidle" });
  return { page, blocked, async close() { await context.close(); await server.close(); } };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ims-docs-"));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the published docs page", () => {
  let file: string;
  beforeAll(async () => {
    ({ file } = await buildDocs({ output: path.join(dir, "index.html") }));
  });

  it("shows one version, the package's, and says what it is", async () => {
    // The heading carries the spec's info.version, the page's title the package's: one number.
    expect(bundled.info.version).toBe(pkg.version);
    const html = await readFile(file, "utf8");
    expect(html).toContain(`<title>IMS image sharing API: ims-sharing ${pkg.version}</title>`);
    const { page, close } = await openOffline(file);
    try {
      const text = await page.locator("body").innerText();
      const shown = [...text.matchAll(/Huawei Cloud IMS image sharing \(([^)]+)\)/g)].map((m) => m[1]);
      expect(shown.length).toBeGreaterThan(0);
      expect(new Set(shown)).toEqual(new Set([pkg.version]));
      expect(text).toMatch(/The version beside the title is this description's, and it is the version of\s+the ims-sharing npm package that ships it/);
    } finally {
      await close();
    }
  });

  it("is one HTML file with no script, style or font loaded from elsewhere", async () => {
    const html = await readFile(file, "utf8");
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/i);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/i);
    expect(html).not.toContain("cdn.redoc.ly");
  });

  it("lands on an overview a newcomer can act on: authentication, the typical flow, TypeScript and the command line", async () => {
    const { page, blocked, close } = await openOffline(file);
    try {
      const sections = ["Overview", "Authentication", "Typical flow", "Using it from TypeScript", "From the command line"];
      for (const name of sections) {
        await page.locator(`[id="section/${name.toLowerCase().replaceAll(" ", "-")}"]`).waitFor({ state: "attached" });
      }
      // The page's text after its title, cut at each section heading (the side menu, above the
      // title, lists the same names).
      const text = await page.locator("body").innerText();
      const main = text.slice(text.indexOf(`Huawei Cloud IMS image sharing (${pkg.version})`));
      const section = (name: string) => {
        const from = main.indexOf(`\n${name}\n`);
        expect(from, `no "${name}" section on the landing page`).toBeGreaterThan(0);
        const next = sections[sections.indexOf(name) + 1];
        return main.slice(from, next ? main.indexOf(`\n${next}\n`, from) : undefined);
      };

      const auth = section("Authentication");
      // Both schemes, by the headers a request carries.
      for (const scheme of ["X-Auth-Token", "POST /v3/auth/tokens", "SDK-HMAC-SHA256", "X-Sdk-Date", "Authorization: SDK-HMAC-SHA256 Access="]) {
        expect(auth).toContain(scheme);
      }
      // Temporary credentials, project-scoped calls, and the environment variables.
      for (const text of ["X-Security-Token", "X-Project-Id", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_PROJECT_ID", "IMS_TOKEN"]) {
        expect(auth).toContain(text);
      }
      // What a refusal looks like.
      expect(auth).toContain("401");
      expect(auth).toMatch(/"error_code": "APIGW\.0301", "error_msg": .*"request_id"/);

      const flow = section("Typical flow");
      expect(flow).toMatch(/DELETE \/v1\/cloudimages\/members HTTP\/1\.1\nHost: ims\.cn-north-4\.myhuaweicloud\.com/);
      expect(flow).toMatch(/HTTP\/1\.1 200 OK\n[^]*X-Request-Id: \w+[^]*"job_id": "edc89b490d7d4392898e19b2deb34797"/);
      expect(flow).toContain("GET /v1/9c61004714024f9586705d090530f9fa/jobs/edc89b490d7d4392898e19b2deb34797");
      expect(flow).toMatch(/give up after 5 minutes/);
      expect(flow).toContain("Retry-After");
      expect(flow).toMatch(/process_percent is in percent, 0–100/);
      expect(flow).toContain("entities.results");

      expect(section("Using it from TypeScript")).toContain('import { createImsClient } from "ims-sharing"');
      expect(section("Using it from TypeScript")).toContain("npm install ims-sharing");
      expect(section("From the command line")).toContain("ims-sharing members delete");

      // No link to a repository that does not exist.
      const links = await page.locator("a[href]").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
      expect(links.filter((href) => href.includes("github.com"))).toEqual([]);
      expect(blocked).toEqual([]);
    } finally {
      await close();
    }
  });

  it("renders every operation of the table, both error shapes, the examples and the auth schemes, fetching nothing remote", async () => {
    const { page, blocked, close } = await openOffline(file);
    try {
      // Every operation the spec has, from the generated table: a new one is covered as it lands.
      const operations = Object.entries(OPERATIONS).map(([id, op]) => ({
        route: `#/${op.tag.toLowerCase().replaceAll(" ", "-")}/${id.toLowerCase()}`, summary: op.summary, path: op.path,
      }));
      expect(operations.length).toBeGreaterThanOrEqual(8);
      const seen: string[] = [];
      for (const op of operations) {
        await page.goto(`${page.url().split("#")[0]}${op.route}`, { waitUntil: "networkidle" });
        await page.getByRole("heading", { name: op.summary }).first().waitFor();
        const text = await page.locator("main, body").first().innerText();
        expect(text).toContain(op.path);
        seen.push(text);
      }
      const all = seen.join("\n");
      for (const status of ["200", "400", "401", "403", "404", "500", "503"]) expect(all).toContain(status);
      // Huawei's Deleting Image Sharing Members example request and response, and the job examples.
      await page.goto(`${page.url().split("#")[0]}#/image-sharing/deleteimagemembers`, { waitUntil: "networkidle" });
      await page.getByRole("heading", { name: "Delete image sharing members" }).first().waitFor();
      const deleteText = await page.locator("body").innerText();
      expect(deleteText).toContain("d164b5df-1bc3-4c3f-893e-3e471fd16e64");
      expect(deleteText).toContain("edc89b490d7d4392898e19b2deb34797");
      // Both error body shapes, as a reader sees them after opening a response: the schema
      // (left) and the example (right) of 400 (IMS's shape) and 401 (the gateway's).
      const shown = async (status: string) => {
        const tabs = page.getByRole("button", { name: status, exact: true });
        for (let i = 0; i < (await tabs.count()); i++) await tabs.nth(i).click();
        return page.locator("body").innerText();
      };
      const badRequest = await shown("400");
      expect(badRequest).toContain("IMG.0066");
      expect(badRequest).toMatch(/ImsErrorBody/);
      const unauthorized = await shown("401");
      expect(unauthorized).toContain("APIGW.0301");
      expect(unauthorized).toMatch(/GatewayErrorBody/);
      // The authentication schemes, as "View security details" shows them: one tab each.
      await page.getByRole("button", { name: "View security details" }).first().click();
      expect(await page.locator("body").innerText()).toContain("Header parameter name:");
      await page.getByText("akskSignature", { exact: true }).last().click();
      const aksk = await page.locator("body").innerText();
      for (const text of ["SDK-HMAC-SHA256", "X-Sdk-Date", "APIGW.0301"]) expect(aksk).toContain(text);
      expect(blocked).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe("the offline check itself", () => {
  it("catches a page that loads Redoc from the CDN (built without --inlineBundle)", async () => {
    const { file: cdnPage } = await buildDocs({ output: path.join(dir, "cdn.html"), inlineBundle: false });
    const { blocked, close } = await openOffline(cdnPage);
    try {
      expect(blocked.length).toBeGreaterThan(0);
      expect(blocked.some((url) => url.includes("redoc"))).toBe(true);
    } finally {
      await close();
    }
  });
});
