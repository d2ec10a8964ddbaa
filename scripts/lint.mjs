#!/usr/bin/env node
// `npm run lint`: every static check, side by side, each reported, the run failing if any fails:
//   - Redocly on the spec and the Arazzo workflows (rules in redocly.yaml). Redocly exits 0 on
//     warnings; this project allows none, so a warning fails as an error does.
//   - ESLint with typescript-eslint's type-aware rules (eslint.config.js), on src, test, scripts.
//   - Prettier's check of the formatting (.prettierrc.json).
//   - Function sizes in src/: none with more than 80 lines of its own (its span less the spans of
//     the functions nested in it, so that a factory of small closures is not one long function).
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { createRequire } from "node:module";
import { root, runTool } from "./lib/run.mjs";

const SPEC_FILES = [
  "openapi/openapi.yaml",
  "openapi/workflows/unshare-image.arazzo.yaml",
  "openapi/workflows/share-accept-unshare.arazzo.yaml",
  "openapi/workflows/reject-then-accept.arazzo.yaml",
];
const MAX_OWN_LINES = 80;
const PRETTIER_GLOBS = ["src/**/*.ts", "test/**/*.ts", "scripts/**/*.mjs", "*.ts", "*.js"];

async function redocly() {
  let errors = 0;
  let warnings = 0;
  const lines = [];
  for (const file of SPEC_FILES) {
    const output = await runTool("redocly", ["lint", file, "--format=json"], { quiet: true }).catch((err) => err.output ?? String(err));
    let report;
    try {
      report = JSON.parse(output.slice(output.indexOf("{"), output.lastIndexOf("}") + 1));
    } catch {
      return { ok: false, text: `${file}: could not read Redocly's report:\n${output}` };
    }
    for (const p of report.problems) {
      const where = p.location?.[0] ? `${p.location[0].source?.ref ?? file}${p.location[0].pointer ?? ""}` : file;
      lines.push(`${p.severity.padEnd(7)} ${p.ruleId}: ${p.message}\n        at ${where}`);
    }
    errors += report.totals.errors;
    warnings += report.totals.warnings;
  }
  lines.push(`redocly lint (${SPEC_FILES.length} files): ${errors} errors, ${warnings} warnings`);
  return { ok: errors + warnings === 0, text: lines.join("\n") };
}

async function tool(name, bin, args) {
  try {
    const output = await runTool(bin, args, { quiet: true });
    return { ok: true, text: `${name}: ok${output.trim() ? `\n${output.trim()}` : ""}` };
  } catch (error) {
    return { ok: false, text: `${name} failed:\n${(error.output ?? String(error)).trim()}` };
  }
}

async function* tsFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(file);
    else if (/\.ts$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) yield file;
  }
}

/** Functions in src/ with more than MAX_OWN_LINES lines of their own. */
async function functionSizes() {
  const ts = createRequire(import.meta.url)("typescript");
  const sizes = [];
  for await (const file of tsFiles(path.join(root, "src"))) {
    const source = ts.createSourceFile(file, await readFile(file, "utf8"), ts.ScriptTarget.Latest, true);
    const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line;
    const isFunction = (n) =>
      ts.isFunctionDeclaration(n) ||
      ts.isMethodDeclaration(n) ||
      ts.isArrowFunction(n) ||
      ts.isFunctionExpression(n) ||
      ts.isConstructorDeclaration(n) ||
      ts.isGetAccessor(n) ||
      ts.isSetAccessor(n);
    const visit = (node, owner) => {
      let me = owner;
      if (isFunction(node)) {
        const span = lineOf(node.end) - lineOf(node.getStart(source)) + 1;
        const name =
          node.name?.getText(source) ??
          (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent)
            ? node.parent.name.getText(source)
            : "(anonymous)");
        me = { where: `${path.relative(root, file)}:${lineOf(node.getStart(source)) + 1}`, name, own: span };
        if (owner && span > 3) owner.own -= span - 1;
        sizes.push(me);
      }
      ts.forEachChild(node, (child) => visit(child, me));
    };
    visit(source, undefined);
  }
  const over = sizes.filter((s) => s.own > MAX_OWN_LINES).sort((a, b) => b.own - a.own);
  const largest = Math.max(...sizes.map((s) => s.own));
  return {
    ok: over.length === 0,
    text: over.length
      ? `function sizes: ${over.length} over ${MAX_OWN_LINES} lines of their own:\n` +
        over.map((s) => `  ${s.own} ${s.where} ${s.name}`).join("\n")
      : `function sizes: ${sizes.length} functions in src/, none over ${MAX_OWN_LINES} lines of its own (largest ${largest})`,
  };
}

const results = await Promise.all([
  redocly(),
  tool("eslint", "eslint", ["--max-warnings=0", "."]),
  tool("prettier", "prettier", ["--check", "--log-level=warn", ...PRETTIER_GLOBS]),
  functionSizes(),
]);
for (const { text } of results) console.log(text);
process.exit(results.every((r) => r.ok) ? 0 : 1);
