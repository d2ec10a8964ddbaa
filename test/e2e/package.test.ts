// The package as users get it: `npm pack`, checked by publint and arethetypeswrong, installed
// into a fresh project which type-checks (as strictly as this project does) and runs a
// TypeScript program against the fake, runs the CLI from its node_modules/.bin, and tells
// CommonJS callers that it is ESM-only. The tarball and the install are made once for the e2e
// project (test/e2e/global-setup.ts, test/fixtures/packed-package.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify, stripVTControlCharacters } from "node:util";
import { failure, failureOutput } from "../helpers/exec.js";
import { consumerFolder, packedPackage, root, strictCompilerOptions, type PackedPackage } from "../fixtures/packed-package.js";

const exec = promisify(execFile);
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
let packed: PackedPackage;
let tarball: string;
let files: string[];

beforeAll(() => {
  packed = packedPackage();
  ({ tarball, files } = packed);
});

describe("the packed tarball", () => {
  it("holds dist/, the generated types, the bundled spec, the docs page, the CommonJS stub, README and LICENSE, and nothing else", () => {
    const outside = files.filter(
      (f) =>
        !f.startsWith("dist/") &&
        !["README.md", "LICENSE", "package.json", "docs/index.html", "cjs/esm-only.cjs", "cjs/esm-only.d.cts"].includes(f),
    );
    expect(outside).toEqual([]);
    for (const f of [
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/generated/ims.d.ts",
      "dist/openapi.json",
      "dist/src/fake/index.js",
      "dist/src/cli/bin.js",
      "docs/index.html",
      "cjs/esm-only.cjs",
      "README.md",
      "LICENSE",
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /\.map$|\.test\.|^test\/|^src\//.test(f))).toEqual([]);
    // The contract suite ships (ims-sharing contract), Prism being an optional peer dependency.
    expect(files).toContain("dist/src/contract/run.js");
  });

  it("passes publint", async () => {
    const { stdout } = await exec(bin("publint"), ["run", tarball, "--strict"], { cwd: root });
    expect(stdout).toContain("All good!");
  });

  it("passes arethetypeswrong for an ESM-only package", async () => {
    // attw exits non-zero on any problem the profile counts (esm-only: CommonJS callers and
    // node10 resolution, which this ESM-only package does not serve, are not counted).
    const { stdout } = await exec(bin("attw"), [tarball, "--profile", "esm-only", "--format", "table"], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toContain("(ignoring resolutions: 'node10', 'node16-cjs')");
    // The rows that count for ESM users: every entry point resolves, with types.
    const { exports } = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    const rows = stripVTControlCharacters(stdout)
      .split("\n")
      .filter((l) => /^│ (node16 \(from ESM\)|bundler)\s+│/.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).not.toMatch(/💀|❌|⚠️/u);
      expect(row.match(/🟢/gu)).toHaveLength(Object.keys(exports).length);
    }
  });

  it("installs into a fresh strict project that type-checks and runs a TypeScript program against the fake, and runs the CLI", async () => {
    const dir = await consumerFolder(packed, "program");
    await writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: strictCompilerOptions(), include: ["main.ts"] }));
    await writeFile(
      path.join(dir, "main.ts"),
      `
import { createImsClient, ImsApiError, type Job, type JobStatus } from "ims-sharing";
import { startFakeIms, SEED_IMAGES, SEED_PROJECTS, OWNER_PROJECT } from "ims-sharing/fake";

const fake = await startFakeIms({ jobDurationMs: 100 });
try {
  const ims = createImsClient({ endpoint: fake.url, projectId: OWNER_PROJECT, auth: { token: "consumer" } });
  const done = await ims.unshareImages({ images: [SEED_IMAGES[0]], projects: [SEED_PROJECTS[0]] });
  const status: JobStatus = done.status;
  const job: Job = await ims.getJob(done.job_id);
  const refused = await ims.deleteImageMembers({ images: ["11111111-2222-4333-8444-555555555555"], projects: [SEED_PROJECTS[0]] }).catch((e: unknown) => e);
  console.log(JSON.stringify({ status, results: job.entities?.results?.length, refused: refused instanceof ImsApiError ? refused.code : null }));
} finally {
  await fake.close();
}
`,
    );
    await exec(bin("tsc"), ["-p", "tsconfig.json"], { cwd: dir });
    const { stdout } = await exec(process.execPath, ["out/main.js"], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ status: "SUCCESS", results: 1, refused: "IMG.0027" });

    const cli = path.join(packed.project, "node_modules", ".bin", "ims-sharing");
    const version = await exec(cli, ["--version"], { cwd: packed.project });
    const { version: expected } = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { version: string };
    expect(version.stdout.trim()).toBe(expected);
    const help = await exec(cli, ["members", "delete", "--help"], { cwd: packed.project });
    expect(help.stdout).toContain("Usage: ims-sharing members delete");

    // The contract suite ships; Prism, an optional peer dependency, is not installed here: the
    // command says exactly what to install, and exits 2.
    const contract = await exec(cli, ["contract", "--upstream", "http://127.0.0.1:9"], { cwd: packed.project }).then(
      () => undefined,
      failure,
    );
    expect(contract?.code).toBe(2);
    expect(`${contract?.stdout}${contract?.stderr}`).toContain("npm install --save-dev @stoplight/prism-cli@5.14.2");
  }, 120_000);

  it("tells CommonJS callers that it is ESM-only and how to load it, and loads by dynamic import", async () => {
    for (const entry of ["ims-sharing", "ims-sharing/fake"]) {
      const refused = await exec(process.execPath, ["-e", `require(${JSON.stringify(entry)})`], { cwd: packed.project }).then(
        () => undefined,
        failure,
      );
      expect(refused?.code, `require("${entry}") should fail`).toBe(1);
      expect(refused?.stderr).toContain('ims-sharing is ESM-only: use `await import("ims-sharing")`');
      expect(refused?.stderr).toContain("ERR_REQUIRE_ESM");
    }
    const loaded = await exec(process.execPath, ["-e", 'import("ims-sharing").then((m) => console.log(typeof m.createImsClient))'], {
      cwd: packed.project,
    });
    expect(loaded.stdout.trim()).toBe("function");

    // A CommonJS TypeScript project: require() does not compile, and says why; await import() does.
    const dir = await consumerFolder(packed, "commonjs-ts");
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ type: "commonjs" }));
    const compile = async (code: string) => {
      await writeFile(path.join(dir, "main.ts"), code);
      await writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: strictCompilerOptions(), include: ["main.ts"] }));
      return exec(bin("tsc"), ["-p", "tsconfig.json"], { cwd: dir }).then(() => "", failureOutput);
    };
    const refused = await compile('import ims = require("ims-sharing");\nconsole.log(ims.createImsClient);\n');
    expect(refused).toContain("error TS2339: Property 'createImsClient' does not exist");
    expect(refused).toContain('ims-sharing is ESM-only: use `await import("ims-sharing")`');
    expect(
      await compile(
        [
          "async function main(): Promise<void> {",
          '  const { createImsClient } = await import("ims-sharing");',
          '  console.log(createImsClient({ region: "cn-north-4", auth: { token: "t" } }).baseUrl);',
          "}",
          "void main();",
        ].join("\n"),
      ),
    ).toBe("");
  }, 120_000);
});
