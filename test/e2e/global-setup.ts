// Once per run of the e2e project, before any test file starts: dist/ built (skipped when it is
// fresh), so that nothing a test starts (npm pack, npm start, npm run contract) builds it again
// while another test uses it; then the package packed and installed once into a fresh project
// (test/fixtures/packed-package.ts), removed again after the last file.
import type { TestProject } from "vitest/node";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { consumerFolder, SEED, strictCompilerOptions, type PackedPackage } from "../fixtures/packed-package.js";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Packs the package into `folder` and installs the tarball into a fresh project there. */
async function packAndInstall(folder: string): Promise<PackedPackage> {
  const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", folder], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const [pack] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!pack) throw new Error(`npm pack said nothing about its tarball:\n${stdout}`);
  const tarball = path.join(folder, pack.filename);
  const project = path.join(folder, "consumer");
  await mkdir(project);
  await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  await exec("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], { cwd: project });
  return { tarball, files: pack.files.map((f) => f.path).sort(), project };
}

/**
 * Compiles, in the consumer project's seed folder, a file that imports every entry point, so that
 * the libraries every test's compile checks are checked once (test/fixtures/packed-package.ts).
 * A type error found there is not this setup's to report: each test's compile reports it again.
 */
async function seedCompile(packed: PackedPackage): Promise<void> {
  const dir = await consumerFolder(packed, SEED);
  await writeFile(path.join(dir, "seed.ts"), 'export * as ims from "ims-sharing";\nexport * as fake from "ims-sharing/fake";\n');
  await writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: strictCompilerOptions(), include: ["seed.ts"] }));
  await exec(path.join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: dir }).catch(() => undefined);
}

export default async function setup(project: TestProject) {
  await exec(process.execPath, [path.join(root, "scripts", "build.mjs")], { cwd: root });
  // Not "ims-sharing-packed-…": older checkouts remove folders of that name that they did not make.
  const folder = await mkdtemp(path.join(tmpdir(), "ims-sharing-e2e-"));
  const remove = () => rm(folder, { recursive: true, force: true });
  try {
    const packed = await packAndInstall(folder);
    await seedCompile(packed);
    project.provide("packedPackage", packed);
  } catch (error) {
    await remove();
    throw error;
  }
  return remove;
}
