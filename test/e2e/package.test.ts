// The package as users get it: `npm pack`, checked by publint and arethetypeswrong, installed
// into a fresh project which type-checks and runs a TypeScript program against the fake, and
// runs the CLI from its node_modules/.bin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
let dir: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ims-pack-"));
  const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const [pack] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(dir, pack!.filename);
  files = pack!.files.map((f) => f.path).sort();
}, 120_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the packed tarball", () => {
  it("holds dist/, the generated types, the bundled spec, the docs page, README and LICENSE, and nothing else", () => {
    const outside = files.filter((f) => !f.startsWith("dist/") && !["README.md", "LICENSE", "package.json", "docs/index.html"].includes(f));
    expect(outside).toEqual([]);
    for (const f of ["dist/src/index.js", "dist/src/index.d.ts", "dist/generated/ims.d.ts", "dist/openapi.json", "dist/src/fake/index.js", "dist/src/cli/bin.js", "docs/index.html", "README.md", "LICENSE"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /\.map$|\.test\.|^test\/|^src\/|dist\/src\/contract\//.test(f))).toEqual([]);
  });

  it("passes publint", async () => {
    const { stdout } = await exec(bin("publint"), ["run", tarball, "--strict"], { cwd: root });
    expect(stdout).toContain("All good!");
  });

  it("passes arethetypeswrong for an ESM-only package", async () => {
    // attw exits non-zero on any problem the profile counts (esm-only: CommonJS callers and
    // node10 resolution, which this ESM-only package does not serve, are not counted).
    const { stdout } = await exec(bin("attw"), [tarball, "--profile", "esm-only", "--format", "table"], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toContain("(ignoring resolutions: 'node10', 'node16-cjs')");
    // The rows that count for ESM users: every entry point resolves, with types.
    const rows = stdout.replace(/\x1b\[[0-9;]*m/g, "").split("\n").filter((l) => /^│ (node16 \(from ESM\)|bundler)\s+│/.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).not.toMatch(/💀|❌|⚠️/u);
      expect(row.match(/🟢/gu)).toHaveLength(4);
    }
  });

  it("installs into a fresh project that type-checks and runs a TypeScript program against the fake, and runs the CLI", async () => {
    const project = path.join(dir, "consumer");
    await exec("mkdir", ["-p", project]);
    await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await exec("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], { cwd: project });
    await writeFile(path.join(project, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, outDir: "out",
        types: ["node"], typeRoots: [path.join(root, "node_modules", "@types")], skipLibCheck: false,
      },
      include: ["main.ts"],
    }));
    await writeFile(path.join(project, "main.ts"), `
import { createImsClient, ImsApiError, type Job, type JobStatus } from "ims-sharing";
import { startFakeIms, SEED_IMAGES, SEED_PROJECTS, OWNER_PROJECT } from "ims-sharing/fake";

const fake = await startFakeIms({ jobDurationMs: 100 });
try {
  const ims = createImsClient({ endpoint: fake.url, projectId: OWNER_PROJECT, auth: { token: "consumer" } });
  const done = await ims.unshareImages({ images: [SEED_IMAGES[0]!], projects: [SEED_PROJECTS[0]!] });
  const status: JobStatus = done.status;
  const job: Job = await ims.getJob(done.job_id);
  const refused = await ims.deleteImageMembers({ images: ["11111111-2222-4333-8444-555555555555"], projects: [SEED_PROJECTS[0]!] }).catch((e: unknown) => e);
  console.log(JSON.stringify({ status, results: job.entities?.results?.length, refused: refused instanceof ImsApiError ? refused.code : null }));
} finally {
  await fake.close();
}
`);
    await exec(bin("tsc"), ["-p", "tsconfig.json"], { cwd: project });
    const { stdout } = await exec(process.execPath, ["out/main.js"], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ status: "SUCCESS", results: 1, refused: "IMG.0027" });

    const version = await exec(path.join(project, "node_modules", ".bin", "ims-sharing"), ["--version"], { cwd: project });
    expect(version.stdout.trim()).toBe("0.1.0");
    const help = await exec(path.join(project, "node_modules", ".bin", "ims-sharing"), ["members", "delete", "--help"], { cwd: project });
    expect(help.stdout).toContain("Usage: ims-sharing members delete");
  }, 120_000);
});
