// The README's first command after install: `npm start` builds, starts the fake behind the
// validating proxy and the docs, runs the seed request through the CLI, keeps serving, and
// stops cleanly on Ctrl-C.
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("npm start (the sandbox)", () => {
  it("ends with a finished job and URLs served, and stops on SIGINT", async () => {
    // Its own process group, signalled as a whole as a terminal's Ctrl-C would: npm itself does
    // not pass SIGINT on to the script.
    // The user's own Huawei Cloud credentials in the environment must not reach the sandbox's
    // fake (which verifies signatures): the sandbox's tenants are the fake's own.
    const env = { ...process.env, HUAWEICLOUD_SDK_AK: "USERSREALAK", HUAWEICLOUD_SDK_SK: "users-real-secret-key", HUAWEICLOUD_SDK_SECURITY_TOKEN: "users-real-sts" };
    const child = spawn("npm", ["start"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
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
      for (const step of [/\[owner\] \$ ims-sharing members add [\s\S]*?succeeded at/, /\[recipient\] \$ ims-sharing images shared --status pending\n\S+\t/,
        /\[recipient\] \$ ims-sharing members accept [\s\S]*?succeeded at/, /\[owner\] \$ ims-sharing members list [^\n]*\n\w{32}\tproject\taccepted\t/,
        /\[owner\] \$ ims-sharing members delete [\s\S]*?succeeded at/]) expect(output).toMatch(step);
      expect(output).toMatch(/owner: +export IMS_TOKEN=\S+ HUAWEICLOUD_SDK_PROJECT_ID=\w{32}\n +recipient: +export IMS_TOKEN=/);
      expect(output).toContain("with no contract violation");
      const proxyUrl = /API \(validating proxy\)\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      const docsUrl = /API reference\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
      expect(proxyUrl).toBeDefined();
      const docs = await fetch(docsUrl!);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain("IMS image sharing");
      const job = await fetch(`${proxyUrl}/v1/cloudimages/job/0123456789abcdef0123456789abcdef`, { headers: { "x-auth-token": "fake-owner-token" } });
      expect(job.status).toBe(404);
      expect(job.headers.get("sl-violations")).toBeNull();
      // The contract suite it suggests passes against it, after its own demo changed the state.
      const suggested = /^ {2}(npm run contract -- --upstream http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
      expect(suggested).toBeDefined();
      const contract = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const run = spawn("sh", ["-c", suggested!], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        run.stdout.on("data", (d: Buffer) => (out += d));
        run.stderr.on("data", (d: Buffer) => (out += d));
        run.on("close", (code) => resolve({ code, out }));
      });
      expect(contract.code, contract.out).toBe(0);
      expect(contract.out).toContain("keeps the contract");
      // Ctrl-C: the sandbox stops its servers and exits cleanly.
      signalGroup("SIGINT");
      const { code, signal } = await exited;
      // npm itself dies of the signal, as it does in a terminal; the sandbox stops cleanly.
      expect(code === 0 || signal === "SIGINT", `npm exited with ${code} / ${signal}`).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(output).toContain("Stopping the sandbox");
      expect(() => process.kill(-child.pid!, 0), "a process of the sandbox is still running").toThrow();
      await expect(fetch(proxyUrl!)).rejects.toThrow();
      await expect(fetch(docsUrl!)).rejects.toThrow();
    } finally {
      signalGroup("SIGKILL");
    }
  }, 180_000);
});
