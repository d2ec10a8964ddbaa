// The README as npm shows it, checked against the package as users get it: every ```ts block
// compiles as written in a fresh project as strict as this one (strict, exactOptionalPropertyTypes,
// noUncheckedIndexedAccess) with the packed tarball installed; the blocks that start the fake,
// and the CommonJS example, run with node and print what their comments say; every link works
// from the tarball; and the first screen says what the package does, how to install it, that it
// is ESM-only, and shows an example.
import { beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { failureOutput } from "../helpers/exec.js";
import { consumerFolder, packedPackage, root, strictCompilerOptions, type PackedPackage } from "../fixtures/packed-package.js";

const exec = promisify(execFile);
const readme = readFileSync(path.join(root, "README.md"), "utf8");

interface Block {
  lang: string;
  code: string;
  /** The README line of the opening fence, for messages and file names. */
  line: number;
}

const blocks: Block[] = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  lang: m[1] ?? "",
  code: m[2] ?? "",
  line: readme.slice(0, m.index).split("\n").length,
}));
const tsBlocks = blocks.filter((b) => b.lang === "ts");
const fileOf = (block: Block) => `readme-line-${block.line}`;

/**
 * What a block says it prints: the comment after each `console.log(…)` on one line, without a
 * leading ellipsis (`// … SUCCESS` promises `SUCCESS`). Comments that explain rather than show
 * (several words, no output) are not promises: only those given as `// <output>` at the end of a
 * line whose first statement is console.log are taken.
 */
function promisedOutput(code: string): string[] {
  return code.split("\n").flatMap((line) => {
    const m = /console\.log\(.*\);\s*\/\/ (?:… )?(.+)$/.exec(line.trim());
    return m?.[1] ? [m[1].trim()] : [];
  });
}

/** GitHub's and npm's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

let packed: PackedPackage;
let dir: string;

beforeAll(async () => {
  packed = packedPackage();
  dir = await consumerFolder(packed, "readme");
});

describe("the README's first screen", () => {
  const firstScreen = readme.slice(0, readme.indexOf("\n## "));

  it("says what the package does, how to install it, that it is ESM-only, and shows an example", () => {
    expect(firstScreen).toMatch(/^# ims-sharing\n\nA typed client.*Huawei Cloud IMS image sharing/s);
    expect(firstScreen).toContain("```sh\nnpm install ims-sharing\n```");
    expect(firstScreen).toMatch(/ESM only/);
    expect(firstScreen).toContain('await import("ims-sharing")');
    expect(firstScreen).toMatch(/```ts\nimport \{ createImsClient \} from "ims-sharing";/);
    expect(firstScreen.split("\n").length).toBeLessThan(50);
  });

  it("gives a clone's two commands, marked as such", () => {
    expect(firstScreen).toMatch(/clone[^\n]*\n\n```sh\nnpm ci && npm start .*\nnpm ci && npm test .*\n```/);
  });
});

describe("the README's links", () => {
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
  const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] ?? "")));

  it("all work from the published tarball: anchors of its own headings, shipped files, or https", () => {
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      if (link.startsWith("#")) expect(anchors, `link ${link}`).toContain(link.slice(1));
      else if (/^[a-z]+:/.test(link)) expect(link, `link ${link}`).toMatch(/^https:\/\//);
      else expect(packed.files, `link ${link}: not in the tarball`).toContain(path.posix.normalize(link.split("#")[0] ?? ""));
    }
  });

  it("name no repository that does not exist", () => {
    expect(readme).not.toMatch(/github\.com\/ims-sharing/);
  });
});

describe("the README's code", () => {
  it("has TypeScript blocks, among them one that runs the fake", () => {
    expect(tsBlocks.length).toBeGreaterThanOrEqual(5);
    expect(tsBlocks.filter((b) => b.code.includes("startFakeIms(")).length).toBeGreaterThanOrEqual(1);
  });

  it("compiles, every ```ts block as written, in a fresh strict project against the installed package", async () => {
    for (const block of tsBlocks) await writeFile(path.join(dir, `${fileOf(block)}.ts`), block.code);
    await writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: strictCompilerOptions(), include: ["*.ts"] }));
    const result = await exec(path.join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: dir }).then(
      () => "",
      failureOutput,
    );
    // tsc names the file (readme-line-N.ts: the block opening on README line N) and the line in the block.
    expect(result).toBe("");
  }, 120_000);

  it("runs each block that starts the fake, printing what its comments say", async () => {
    const runnable = tsBlocks.filter((b) => b.code.includes("startFakeIms("));
    for (const block of runnable) {
      const { stdout } = await exec(process.execPath, [path.join("out", `${fileOf(block)}.js`)], { cwd: dir, timeout: 60_000 });
      let from = 0;
      for (const expected of promisedOutput(block.code)) {
        const at = stdout.indexOf(expected, from);
        expect(at, `README line ${block.line}: "${expected}" after position ${from} of:\n${stdout}`).toBeGreaterThanOrEqual(0);
        from = at + expected.length;
      }
    }
  }, 120_000);

  it("runs the CommonJS example as a .cjs file", async () => {
    const commonJs = blocks.filter((b) => b.lang === "js" && b.code.includes('await import("ims-sharing")'));
    expect(commonJs).toHaveLength(1);
    const [block] = commonJs as [Block];
    await writeFile(path.join(dir, "commonjs.cjs"), block.code);
    const { stdout } = await exec(process.execPath, ["commonjs.cjs"], { cwd: dir });
    for (const expected of promisedOutput(block.code)) expect(stdout).toContain(expected);
  });
});
