#!/usr/bin/env node
// Renders the spec into one self-contained HTML page with Redocly (docs/index.html by default).
// Self-contained means: the Redoc script inlined (--inlineBundle), telemetry off both while
// building (REDOCLY_TELEMETRY=off) and in the page (disableTelemetry), and the two images that
// the attribution footer loads from Redocly's CDN replaced by an inline SVG that keeps the
// "API docs by Redocly" credit and link. test/docs/docs-page.test.ts opens the page in Chromium
// with the network blocked and fails on any request that leaves the machine. The page's title
// names the package version, which is also the spec's `info.version` (Redoc shows it beside the
// heading); the build refuses to go on when the two disagree.
//
// `npm pack` (prepack) and `npm start` both build the page: with `reuse` (the command line's
// default; --force rebuilds) a page whose sources (the spec, redocly.yaml, the package's version,
// the locked Redocly, this script) are unchanged since it was built, and which is itself
// untouched, is kept as it is (scripts/lib/fresh.mjs).
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { buildRecord } from "./lib/fresh.mjs";
import { root, runTool } from "./lib/run.mjs";

const CDN_LOGOS = ["https://cdn.redoc.ly/redoc/logo-mini-full.svg", "https://cdn.redoc.ly/redoc/logo-mini.svg"];
const LOCAL_LOGO = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="16" viewBox="0 0 64 16">' +
    '<text x="0" y="12" font-family="sans-serif" font-size="12" font-weight="bold" fill="#0044d4">Redocly</text></svg>',
)}`;

/**
 * Builds the docs page.
 * @param {{ output?: string, inlineBundle?: boolean, reuse?: boolean }} [options]
 *   inlineBundle: false builds Redocly's default CDN-loading page (used by the test that proves
 *   the offline check can fail); the published page is always inlined.
 *   reuse: keep the page when it is verifiably fresh (see above) instead of building it again.
 * @returns {Promise<{ file: string, built: boolean }>} the absolute path of the page, and whether it was built (not reused)
 */
export async function buildDocs({ output = path.join(root, "docs", "index.html"), inlineBundle = true, reuse = false } = {}) {
  const relative = path.relative(root, output);
  const record = buildRecord(`docs-${createHash("sha256").update(relative).digest("hex").slice(0, 12)}`, {
    inputs: ["openapi", "redocly.yaml", "package.json", "package-lock.json", "scripts/build-docs.mjs", "scripts/lib/fresh.mjs"],
    outputs: [relative],
    salt: JSON.stringify({ inlineBundle }),
  });
  // Only builds that may be reused keep a record (not the docs test's pages in temporary folders).
  const { fresh, inputs } = reuse ? await record.check() : { fresh: false, inputs: undefined };
  if (fresh) return { file: output, built: false };
  await record.forget();
  const { version } = JSON.parse(await readFile(path.join(root, "package.json"), "utf8"));
  const specVersion = parse(await readFile(path.join(root, "openapi", "openapi.yaml"), "utf8")).info?.version;
  if (specVersion !== version) {
    throw new Error(
      `build-docs: the spec's info.version (${specVersion}) is not the package's version (${version}): ` +
        "the page shows one number for both, make them agree",
    );
  }
  await mkdir(path.dirname(output), { recursive: true });
  await runTool(
    "redocly",
    [
      "build-docs",
      "openapi/openapi.yaml",
      "-o",
      output,
      "--title",
      `IMS image sharing API: ims-sharing ${version}`,
      "--lint-config",
      "off",
      "--openapi.disableTelemetry=true",
      ...(inlineBundle ? ["--inlineBundle"] : []),
    ],
    { quiet: true },
  );
  if (inlineBundle) {
    let html = await readFile(output, "utf8");
    for (const url of CDN_LOGOS) {
      if (!html.includes(url)) {
        throw new Error(`build-docs: expected Redoc to reference ${url}; the Redocly version changed, recheck what the page loads`);
      }
      html = html.replaceAll(url, LOCAL_LOGO);
    }
    await writeFile(output, html);
  }
  if (inputs) await record.save(inputs);
  return { file: output, built: true };
}

// `node scripts/build-docs.mjs [OUTPUT] [--force]`
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const named = args.find((a) => a !== "--force");
  buildDocs({ ...(named ? { output: path.resolve(named) } : {}), reuse: !args.includes("--force") }).then(
    ({ file, built }) =>
      console.log(
        built
          ? `Docs written to ${path.relative(process.cwd(), file)}`
          : `${path.relative(process.cwd(), file)} is up to date with the spec (npm run docs -- --force rebuilds it)`,
      ),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
