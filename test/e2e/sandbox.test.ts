// The README's first command after install: `npm start` builds, starts the fake behind the
// validating proxy and the docs (its jobs taking 200 ms rather than 2 s: `--job-duration`, so that
// the test does not wait for time to pass), runs the request of Huawei's Deleting Image Sharing Members
// example through the CLI, keeps serving, and stops cleanly on Ctrl-C. Every command it prints
// then runs exactly as printed, in `sh -c` with the exports it prints, for each way in (a token
// through the proxy, AK/SK to the fake) and each tenant, in a shell that still holds the user's
// own Huawei Cloud variables: each must end with the exit code the sandbox says. The recipient's
// token commands give no project ID: it is found through the fake's IAM.
import { describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

type Tenant = "owner" | "recipient";
/** One way in: the exports every tenant runs, then each tenant's own. */
interface Variant {
  title: string;
  shared: string[];
  owner: string[];
  recipient: string[];
}
/** A command to try, whose, and the exit code the sandbox says it ends with (0 unless it says). */
interface Suggested {
  who: Tenant;
  command: string;
  exitCode: number;
  code?: string | undefined;
}

/** The ways in the sandbox prints, between "Two tenants" and "Try, as the owner:". */
function variantsOf(output: string): Variant[] {
  const from = output.indexOf("\nTwo tenants");
  const to = output.indexOf("\nTry, as the owner:");
  expect(from, 'no "Two tenants" section').toBeGreaterThan(0);
  const variants: Variant[] = [];
  for (const line of output
    .slice(from + 1, to)
    .split("\n")
    .slice(1)
    .filter((l) => l.trim())) {
    if (!line.startsWith("  ")) {
      variants.push({ title: line, shared: [], owner: [], recipient: [] });
      continue;
    }
    const variant = variants.at(-1);
    expect(variant, `an export line before any heading: ${line}`).toBeDefined();
    const labelled = /^ {2}(owner|recipient): +(.+)$/.exec(line);
    if (labelled) variant![labelled[1] as Tenant].push(labelled[2]!);
    else variant!.shared.push(line.trim());
  }
  return variants;
}

/** The commands it suggests, each under "…, as the owner" or "…, as the recipient". */
function suggestedOf(output: string): Suggested[] {
  const from = output.indexOf("\nTry, as the owner:");
  const to = output.indexOf("\nand the contract suite against this fake:");
  const suggested: Suggested[] = [];
  let who: Tenant | undefined;
  for (const line of output
    .slice(from + 1, to)
    .split("\n")
    .filter((l) => l.trim())) {
    const heading = /^(?:Try|then|and), as the (owner|recipient)\b/.exec(line);
    const command = /^ {2}(npx ims-sharing \S.*)$/.exec(line);
    const note = /^ {4,}\(.*?(?:(IMG\.\d{4}), )?exit code (\d+)\)$/.exec(line);
    if (heading) who = heading[1] as Tenant;
    else if (command && who) suggested.push({ who, command: command[1]!, exitCode: 0 });
    else if (note && suggested.length) Object.assign(suggested.at(-1)!, { exitCode: Number(note[2]), code: note[1] });
    else throw new Error(`the sandbox printed a line the test cannot place: ${JSON.stringify(line)}`);
  }
  return suggested;
}

function sh(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const run = spawn("sh", ["-c", script], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    run.stdout.on("data", (d: Buffer) => (out += d.toString()));
    run.stderr.on("data", (d: Buffer) => (out += d.toString()));
    run.on("close", (code) => resolve({ code, out }));
  });
}

/**
 * A folder whose `npx` runs `npx ims-sharing …` as npx does in this clone (the clone's own bin,
 * dist/src/cli/bin.js) without npx's second of start-up, and hands anything else to the real npx.
 * The test checks once, with the real npx, that `npx ims-sharing` here is that CLI.
 */
async function fastNpx(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ims-sandbox-npx-"));
  const realNpx = execFileSync("sh", ["-c", "command -v npx"], { encoding: "utf8" }).trim();
  const bin = path.join(root, "dist", "src", "cli", "bin.js");
  await writeFile(
    path.join(dir, "npx"),
    `#!/bin/sh\nif [ "$1" = ims-sharing ]; then shift; exec "${process.execPath}" "${bin}" "$@"; fi\nexec "${realNpx}" "$@"\n`,
  );
  await chmod(path.join(dir, "npx"), 0o755);
  return dir;
}

describe("npm start (the sandbox)", () => {
  it("ends with a finished job and URLs served, and stops on SIGINT", async () => {
    // Its own process group, signalled as a whole as a terminal's Ctrl-C would: npm itself does
    // not pass SIGINT on to the script.
    // The user's own Huawei Cloud credentials in the environment must not reach the sandbox's
    // fake (which verifies signatures): the sandbox's tenants are the fake's own.
    const env = {
      ...process.env,
      HUAWEICLOUD_SDK_AK: "USERSREALAK",
      HUAWEICLOUD_SDK_SK: "users-real-secret-key",
      HUAWEICLOUD_SDK_SECURITY_TOKEN: "users-real-sts",
    };
    const cleanups: Array<() => Promise<void>> = [];
    const child = spawn("npm", ["start", "--", "--job-duration", "200ms"], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal })),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "Sandbox ready" within 120 s:\n${output}`)), 120_000);
        const check = () => {
          if (output.includes("Ctrl-C stops the sandbox.")) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on("data", check);
        child.on("close", () => reject(new Error(`the sandbox exited early:\n${output}`)));
      });
      expect(output).toMatch(/accepted: job (\w{32})[\s\S]*job \1 succeeded at /);
      expect(output).toMatch(/job \w{32}: SUCCESS\ntype: imsDelImageMembersJob/);
      // The round trip, each step as the tenant it belongs to.
      for (const step of [
        /\[owner\] \$ ims-sharing members add [\s\S]*?succeeded at/,
        /\[recipient\] \$ ims-sharing images shared --status pending\n\S+\t/,
        /\[recipient, region only\] \$ ims-sharing project\nproject \w{32} \(found through IAM: the project of region cn-north-4, at http:\/\/127\.0\.0\.1:\d+\)\n/,
        /\[recipient, region only\] \$ ims-sharing members accept [\s\S]*?succeeded at/,
        /\[owner\] \$ ims-sharing members list [^\n]*\n\w{32}\tproject\taccepted\t/,
        /\[owner\] \$ ims-sharing members delete [\s\S]*?succeeded at/,
      ])
        expect(output).toMatch(step);
      expect(output).toMatch(
        /owner: +export IMS_TOKEN=\S+ HUAWEICLOUD_SDK_PROJECT_ID=\w{32}\n +recipient: +unset HUAWEICLOUD_SDK_PROJECT_ID; export IMS_TOKEN=/,
      );
      expect(output).toContain("with no contract violation");
      const proxyUrl = /API \(validating proxy\)\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      const docsUrl = /API reference\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
      expect(proxyUrl).toBeDefined();
      const docs = await fetch(docsUrl!);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain("IMS image sharing");
      const job = await fetch(`${proxyUrl}/v1/cloudimages/job/0123456789abcdef0123456789abcdef`, {
        headers: { "x-auth-token": "fake-owner-token" },
      });
      expect(job.status).toBe(404);
      expect(job.headers.get("sl-violations")).toBeNull();
      // Every command it prints, as printed, for each way in and each tenant, in the user's shell.
      const variants = variantsOf(output);
      expect(variants.map((v) => v.title)).toEqual([
        expect.stringMatching(/^With an IAM token, through the validating proxy/),
        expect.stringMatching(/^Or with AK\/SK, straight to the fake/),
      ]);
      const fakeUrl = /Fake IMS \(direct\)\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      expect(variants[1]!.shared.join("\n")).toContain(`IMS_ENDPOINT=${fakeUrl} HUAWEICLOUD_SDK_AK=`);
      const suggested = suggestedOf(output);
      expect(suggested.map((s) => s.who)).toEqual([
        ...["owner", "owner", "owner", "owner", "owner"],
        ...["recipient", "recipient", "recipient", "recipient", "recipient"],
        "owner",
      ]);
      expect(suggested.filter((s) => s.exitCode !== 0)).toEqual([expect.objectContaining({ code: "IMG.0027", exitCode: 3 })]);
      // `npx ims-sharing` in this clone is the clone's CLI (the real npx, once); the commands
      // then run with a stand-in npx that does the same without npx's start-up (fastNpx).
      const npx = await sh("npx ims-sharing --version", env);
      expect(npx.out.trim(), npx.out).toBe(
        (JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { version: string }).version,
      );
      const npxDir = await fastNpx();
      cleanups.push(() => rm(npxDir, { recursive: true, force: true }));
      const userShell = { ...env, PATH: `${npxDir}:${process.env.PATH ?? ""}` };
      for (const variant of variants) {
        for (const { who, command, exitCode, code } of suggested) {
          const script = [...variant.shared, ...variant[who], command].join("\n");
          const ran = await sh(script, userShell);
          expect(ran.code, `${variant.title}\n[${who}] $ ${script}\n${ran.out}`).toBe(exitCode);
          if (code) expect(ran.out).toContain(code);
          expect(ran.out, "the user's own secret key reached the output").not.toContain("users-real-secret-key");
        }
      }
      // The contract suite it suggests passes against it, after its own demo changed the state.
      const contractCommand = /^ {2}(npm run contract -- --upstream http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
      expect(contractCommand).toBeDefined();
      const contract = await sh(contractCommand!, env);
      expect(contract.code, contract.out).toBe(0);
      expect(contract.out).toContain("keeps the contract");
      // Ctrl-C: the sandbox stops its servers and exits cleanly.
      signalGroup("SIGINT");
      const { code, signal } = await exited;
      // npm itself dies of the signal, as it does in a terminal; the sandbox stops cleanly.
      expect(code === 0 || signal === "SIGINT", `npm exited with ${code} / ${signal}`).toBe(true);
      expect(output).toContain("Stopping the sandbox");
      // npm's exit is seen first; the rest of its group follows within moments.
      const groupAlive = () => {
        try {
          process.kill(-child.pid!, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (const deadline = Date.now() + 5_000; groupAlive() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
      expect(groupAlive(), "a process of the sandbox is still running").toBe(false);
      await expect(fetch(proxyUrl!)).rejects.toThrow();
      await expect(fetch(docsUrl!)).rejects.toThrow();
    } finally {
      signalGroup("SIGKILL");
      for (const cleanup of cleanups) await cleanup();
    }
  }, 300_000);
});
