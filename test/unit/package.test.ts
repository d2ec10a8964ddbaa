// The checkout resolves `import("ims-sharing")` through its own package exports once built,
// in a plain Node process, as a user's program would.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

describe.runIf(existsSync(`${root}dist/src/index.js`))("the built package", () => {
  it("is importable by its name, with the public API and the bundled spec", async () => {
    const program = `
      const m = await import("ims-sharing");
      const spec = await import("ims-sharing/openapi.json", { with: { type: "json" } });
      console.log(JSON.stringify({ exports: Object.keys(m).sort(), title: spec.default.info.title,
        base: m.createImsClient({ region: "cn-north-4", auth: { token: "t" } }).baseUrl }));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", program], { cwd: root });
    const result = JSON.parse(stdout);
    expect(result.exports).toEqual(
      expect.arrayContaining([
        "createImsClient",
        "signRequest",
        "ImsError",
        "ImsApiError",
        "ImsValidationError",
        "ImsJobFailedError",
        "ImsTimeoutError",
        "ImsResponseError",
        "ImsNetworkError",
      ]),
    );
    expect(result.title).toBe("Huawei Cloud IMS image sharing");
    expect(result.base).toBe("https://ims.cn-north-4.myhuaweicloud.com");
  });
});

describe("the package's dependencies", () => {
  it("are openapi-fetch for the library and yaml for the command line's sharing files, pinned exactly", async () => {
    const pkg = (await import("../../package.json", { with: { type: "json" } })).default as { dependencies: Record<string, string> };
    expect(pkg.dependencies).toEqual({ "openapi-fetch": "0.17.0", yaml: "2.9.1" });
  });

  it("the README names every runtime dependency where it says what the package depends on", async () => {
    const { readFile } = await import("node:fs/promises");
    const pkg = (await import("../../package.json", { with: { type: "json" } })).default as { dependencies: Record<string, string> };
    const readme = await readFile(`${root}README.md`, "utf8");
    const statement = /[^\n]*only runtime dependency[\s\S]*?\.\s/.exec(readme)?.[0] ?? "";
    expect(statement, "the README's sentence on runtime dependencies").not.toBe("");
    for (const name of Object.keys(pkg.dependencies)) expect(statement).toContain(`\`${name}\``);
  });

  it("the library entry's import graph reaches openapi-fetch alone (yaml is loaded by the command line only)", async () => {
    const { readFile } = await import("node:fs/promises");
    const path = await import("node:path");
    const bare = new Set<string>();
    const seen = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of (await readFile(file, "utf8")).matchAll(/^(?:import|export)[^;]*?from\s*["']([^"']+)["']/gm)) {
        const target = m[1]!;
        if (target.startsWith("."))
          await visit(path.resolve(path.dirname(file), target.replace(/\.js$/, ".ts")).replace(/(generated\/ims)\.ts$/, "$1.d.ts"));
        else if (!target.startsWith("node:") && target !== "#crypto") bare.add(target);
      }
    };
    await visit(`${root}src/index.ts`);
    expect(seen.size).toBeGreaterThan(10);
    expect([...bare]).toEqual(["openapi-fetch"]);
  });
});
