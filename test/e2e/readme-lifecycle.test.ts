// "The lifecycle in five commands", as the README writes it: the block is run by bash as it is,
// with `npx ims-sharing` being the built command (dist/): it starts the package's fake IMS with
// `ims-sharing fake --port 0`, reads its URL, runs the five commands against it, and stops it.
// The shell it runs in has a real account's region and AK/SK set, as a user's may: the block
// must not depend on their absence. Also: the first screen's install notes hold (the tarball
// name npm pack makes; a project made by `npm init -y` needs `type: module` or `.mjs`).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { OWNER_PROJECT, RECIPIENT_PROJECT, SEED_IMAGES } from "../../src/fake/index.js";
import { packedPackage } from "../fixtures/packed-package.js";
import { failure } from "../helpers/exec.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);
const readme = await readFile(`${root}README.md`, "utf8");
let bin: string;
let cwd: string;

beforeAll(async () => {
  bin = await mkdtemp(`${tmpdir()}/ims-readme-bin-`);
  cwd = await mkdtemp(`${tmpdir()}/ims-readme-cwd-`);
  await writeFile(
    `${bin}/npx`,
    `#!/bin/sh\n[ "$1" = ims-sharing ] || { echo "npx: only ims-sharing here" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${root}dist/src/cli/bin.js" "$@"\n`,
  );
  await chmod(`${bin}/npx`, 0o755);
});
afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
  await rm(cwd, { recursive: true, force: true });
});

describe("the README's lifecycle block", () => {
  it("starts the fake itself, runs the five commands against it, each succeeding, and stops it", async () => {
    const section = readme.slice(readme.indexOf("### The lifecycle in five commands"));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    expect(block).toMatch(/^npx ims-sharing fake --port 0 /m);
    expect(block).not.toMatch(/127\.0\.0\.1:\d+/); // no fixed port that a busy machine may not have
    const commands = block!.split("\n").filter((line) => /^\$\w+ npx ims-sharing\b/.test(line));
    expect(commands).toHaveLength(5);
    // Only markers between the steps, and a trap so that a failing step does not leave the fake running.
    const script = `set -e\ntrap 'kill %1 2>/dev/null || true' EXIT\n${block!.replace(/^(\$\w+ npx ims-sharing .*)$/gm, 'echo "## $1"\n$1')}`;
    const { stdout } = await run("bash", ["-c", script], {
      cwd,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: process.env.HOME,
        HUAWEICLOUD_SDK_REGION: "cn-north-4",
        HUAWEICLOUD_SDK_AK: "REALAK",
        HUAWEICLOUD_SDK_SK: "real-sk",
      },
      timeout: 60_000,
    });
    const steps = stdout.split(/^## /m).slice(1);
    expect(steps).toHaveLength(5);
    expect(steps[0]).toMatch(
      /^env IMS_TOKEN=fake-owner-token \S+ npx ims-sharing members delete [^\n]*\naccepted: job \w+[\s\S]*succeeded/,
    );
    expect(steps[1]).toMatch(/^env IMS_TOKEN=fake-owner-token \S+ npx ims-sharing members add [^\n]*\naccepted: job \w+[\s\S]*succeeded/);
    expect(steps[2]).toMatch(new RegExp(`^${SEED_IMAGES[0]}\tweb-server-golden\t${OWNER_PROJECT}\tpending\t`, "m"));
    expect(steps[3]).toMatch(/succeeded/);
    expect(steps[4]).toMatch(new RegExp(`^${RECIPIENT_PROJECT}\tproject\taccepted\t`, "m"));
    const log = await readFile(path.join(cwd, "fake-ims.txt"), "utf8");
    expect(log).toMatch(/^Fake IMS listening on http:\/\/127\.0\.0\.1:\d+ /);
  }, 90_000);
});

describe("the README's first screen", () => {
  const firstScreen = readme.slice(0, readme.indexOf("\n## "));

  it("names the tarball npm pack makes, to install from a clone", () => {
    const packed = packedPackage();
    const tarball = path.basename(packed.tarball);
    expect(firstScreen).toContain(`\`npm ci && npm pack\` there makes \`${tarball}\``);
    expect(firstScreen).toContain(`\`npm install /path/to/${tarball}\``);
  });

  it("is right about a project made by npm init -y: the example fails there until type=module, or as .mjs", async () => {
    const packed = packedPackage();
    const example = /```ts\n(import \{ createImsClient \} from "ims-sharing";[\s\S]*?)```/.exec(firstScreen)?.[1];
    expect(example).toBeDefined();
    const project = await mkdtemp(`${tmpdir()}/ims-readme-init-`);
    try {
      await run("npm", ["init", "-y"], { cwd: project });
      const pkg = JSON.parse(await readFile(path.join(project, "package.json"), "utf8")) as { type?: string };
      expect(pkg.type, "npm init -y no longer writes type: commonjs; the README's note is stale").toBe("commonjs");
      await run("npm", ["install", "--no-audit", "--no-fund", "--offline", packed.tarball], { cwd: project }).catch(() =>
        run("npm", ["install", "--no-audit", "--no-fund", packed.tarball], { cwd: project }),
      );
      // The example is JavaScript as well as TypeScript: node runs it as tsx would.
      await writeFile(path.join(project, "first.js"), example!);
      await writeFile(path.join(project, "first.mjs"), example!);
      const refused = await run(process.execPath, ["first.js"], { cwd: project }).then(
        () => undefined,
        (e: unknown) => failure(e).stderr || failure(e).message,
      );
      expect(refused).toMatch(/SyntaxError|ERR_REQUIRE_ESM|Cannot use import statement/);
      expect((await run(process.execPath, ["first.mjs"], { cwd: project, timeout: 30_000 })).stdout).toContain("SUCCESS");
      expect(firstScreen).toContain("`npm pkg set type=module`");
      await run("npm", ["pkg", "set", "type=module"], { cwd: project });
      expect((await run(process.execPath, ["first.js"], { cwd: project, timeout: 30_000 })).stdout).toContain("SUCCESS");
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  }, 300_000);
});
