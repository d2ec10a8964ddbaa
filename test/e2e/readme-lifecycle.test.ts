// "The lifecycle in five commands", as the README writes it: the block is run by bash, against
// a fresh fake IMS, with `npx ims-sharing` being the built command (dist/). Only the sandbox's
// address is swapped for the fake's.
import { afterAll, beforeAll, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { RECIPIENT_PROJECT, SEED_IMAGES, startFakeIms, type FakeIms } from "../../src/fake/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);
let fake: FakeIms;
let bin: string;

beforeAll(async () => {
  // The image the block shares is not shared with anyone yet, as in the sandbox after its demo.
  fake = await startFakeIms({ jobDurationMs: 300, images: [{ id: SEED_IMAGES[0], name: "web-server-golden" }] });
  bin = await mkdtemp(`${tmpdir()}/ims-readme-bin-`);
  await writeFile(`${bin}/npx`, `#!/bin/sh\n[ "$1" = ims-sharing ] || { echo "npx: only ims-sharing here" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${root}dist/src/cli/bin.js" "$@"\n`);
  await chmod(`${bin}/npx`, 0o755);
});
afterAll(async () => {
  await fake?.close();
  await rm(bin, { recursive: true, force: true });
});

it("runs the README's five commands against the fake, each succeeding, ending unshared", async () => {
  const readme = await readFile(`${root}README.md`, "utf8");
  const section = readme.slice(readme.indexOf("### The lifecycle in five commands"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBeDefined();
  const commands = block!.split("\n").filter((line) => /\bnpx ims-sharing\b/.test(line));
  expect(commands).toHaveLength(5);
  expect(block).toContain("http://127.0.0.1:4010");
  const script = `set -e\n${block!.replaceAll("http://127.0.0.1:4010", fake.url).replace(/^(\$\w+ npx ims-sharing .*)$/gm, 'echo "## $1"\n$1')}`;
  const { stdout } = await run("bash", ["-c", script], { env: { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME }, timeout: 60_000 });
  const steps = stdout.split(/^## /m).slice(1);
  expect(steps).toHaveLength(5);
  expect(steps[0]).toMatch(/accepted: job \w+[\s\S]*succeeded/);
  expect(steps[1]).toContain(SEED_IMAGES[0]);
  expect(steps[2]).toMatch(/succeeded/);
  expect(steps[3]).toMatch(new RegExp(`^${RECIPIENT_PROJECT}\tproject\taccepted\t`, "m"));
  expect(steps[4]).toMatch(/succeeded/);
  expect(fake.state.membersOf(SEED_IMAGES[0])).toEqual([]);
}, 90_000);
