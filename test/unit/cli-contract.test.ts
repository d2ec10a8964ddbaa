// `ims-sharing contract` as an ordinary command of the table: its flags parsed by the framework,
// its credentials by src/environment.ts's one rule (a flag beats any variable; an IAM token and
// AK/SK together are refused, naming both), and the ContractOptions it builds: what the flags say
// in the options, what the variables say in options.environment (kept apart, so the suite never
// uses it against ims-sharing's own fake). No suite is run here (that needs Prism: test/contract).
import { describe, expect, it } from "vitest";
import { CLI, EXIT } from "../../src/cli/main.js";
import { ciOptions, contractCommand, contractOptions } from "../../src/cli/commands/contract.js";
import { parseCommandLine } from "../../src/cli/framework/parse.js";
import { runCli } from "../../src/cli/framework/run.js";
import { OWNER_PROJECT, RECIPIENT_PROJECT, SEED_IMAGES, SEED_PROJECTS } from "../../src/fake/index.js";
import { cli } from "../helpers/cli.js";

const INSTALLED = { contract: "ims-sharing contract", verifyingFake: "ims-sharing fake --verify-signatures" };
const CLONE = { contract: "npm run contract --", verifyingFake: "npm run fake" };

/** The options `ims-sharing contract ARGS…` builds in `env`, or the usage error it stops at. */
function optionsOf(args: string[], env: Record<string, string | undefined> = {}) {
  const parsed = parseCommandLine(["contract", ...args], CLI);
  if (parsed.kind !== "run") throw new Error(`not a run: ${JSON.stringify(parsed)}`);
  return contractOptions(parsed.values, env, INSTALLED);
}

describe("the contract command's options", () => {
  it("flags in the options, variables in options.environment", () => {
    expect(
      optionsOf(["--region", "cn-north-4", "--image", SEED_IMAGES[0], "--member-project", SEED_PROJECTS[0], "--timeout", "90s"], {
        HUAWEICLOUD_SDK_AK: "AK",
        HUAWEICLOUD_SDK_SK: "SK",
        HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT,
        HUAWEICLOUD_SDK_RECIPIENT_PROJECT_ID: RECIPIENT_PROJECT,
        IMS_RECIPIENT_TOKEN: "recipient-token",
      }),
    ).toEqual({
      commands: INSTALLED,
      region: "cn-north-4",
      images: [SEED_IMAGES[0]],
      memberProjects: [SEED_PROJECTS[0]],
      timeoutMs: 90_000,
      environment: {
        projectId: OWNER_PROJECT,
        auth: { accessKey: "AK", secretKey: "SK" },
        recipient: { auth: { token: "recipient-token" }, projectId: RECIPIENT_PROJECT },
      },
    });
  });

  it("a flag beats any variable: the owner's credentials and project, and the recipient named by either half", () => {
    expect(
      optionsOf(["--token", "T", "--project-id", "P", "--recipient-project-id", RECIPIENT_PROJECT], {
        HUAWEICLOUD_SDK_AK: "AK",
        HUAWEICLOUD_SDK_SK: "SK",
        HUAWEICLOUD_SDK_PROJECT_ID: OWNER_PROJECT,
        IMS_RECIPIENT_TOKEN: "recipient-token",
      }),
    ).toEqual({
      commands: INSTALLED,
      auth: { token: "T" },
      projectId: "P",
      recipient: { auth: { token: "recipient-token" }, projectId: RECIPIENT_PROJECT },
      environment: { projectId: OWNER_PROJECT },
    });
    expect(
      optionsOf(["--access-key", "FAK", "--secret-key", "FSK", "--no-workflows", "--job", "J1", "--job", "J2"], { IMS_TOKEN: "t" }),
    ).toEqual({
      commands: INSTALLED,
      auth: { accessKey: "FAK", secretKey: "FSK" },
      workflows: false,
      jobs: ["J1", "J2"],
    });
    expect(optionsOf(["--upstream", "http://127.0.0.1:4011", "--broken", "status-DONE"], {})).toEqual({
      commands: INSTALLED,
      upstream: "http://127.0.0.1:4011",
      broken: "status-DONE",
    });
  });

  it.each([
    [
      [],
      { IMS_TOKEN: "secret-1", HUAWEICLOUD_SDK_AK: "secret-2", HUAWEICLOUD_SDK_SK: "secret-3" },
      "conflicting credentials: an IAM token (IMS_TOKEN) and AK/SK (HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK) are both set, and nothing says which to use: give --token, or --access-key and --secret-key, to choose, or unset one",
    ],
    [
      ["--token", "secret-1", "--access-key", "secret-2", "--secret-key", "secret-3"],
      {},
      "conflicting credentials: --token is given with --access-key and --secret-key: give either --token or --access-key and --secret-key, not both",
    ],
    [["--access-key", "secret-1"], {}, "incomplete credentials: --access-key is given without --secret-key"],
    [
      ["--recipient-token", "secret-1", "--recipient-secret-key", "secret-2", "--recipient-project-id", RECIPIENT_PROJECT],
      {},
      "conflicting credentials: --recipient-token is given with --recipient-secret-key: give either --recipient-token or --recipient-access-key and --recipient-secret-key, not both",
    ],
    [
      [],
      { IMS_RECIPIENT_TOKEN: "secret-1", HUAWEICLOUD_SDK_RECIPIENT_AK: "secret-2", HUAWEICLOUD_SDK_RECIPIENT_SK: "secret-3" },
      "conflicting credentials: an IAM token (IMS_RECIPIENT_TOKEN) and AK/SK (HUAWEICLOUD_SDK_RECIPIENT_AK and HUAWEICLOUD_SDK_RECIPIENT_SK) are both set, and nothing says which to use: give --recipient-token, or --recipient-access-key and --recipient-secret-key, to choose, or unset one",
    ],
    [
      ["--recipient-project-id", RECIPIENT_PROJECT],
      {},
      "the recipient's project needs its credentials: --recipient-token or --recipient-access-key/--recipient-secret-key (or IMS_RECIPIENT_TOKEN, HUAWEICLOUD_SDK_RECIPIENT_AK/HUAWEICLOUD_SDK_RECIPIENT_SK)",
    ],
    [
      ["--recipient-token", "secret-1"],
      {},
      "the recipient's credentials need its project ID: --recipient-project-id (or HUAWEICLOUD_SDK_RECIPIENT_PROJECT_ID)",
    ],
    [["--upstream", "http://127.0.0.1:4011", "--region", "cn-north-4"], {}, "--upstream and --region are both given: give one"],
    [["--timeout", "soon"], {}, '--timeout: "soon" is not a duration'],
  ])("%j with %j: refused, naming what conflicts or is missing, never a value", (args, env, message) => {
    expect(() => optionsOf(args, env)).toThrow(message);
    try {
      optionsOf(args, env);
    } catch (error) {
      expect(String(error)).not.toMatch(/secret-\d/);
    }
  });
});

/** The CI options `ims-sharing contract ARGS…` asks for, or the usage error it stops at. */
function ciOf(args: string[]) {
  const parsed = parseCommandLine(["contract", ...args], CLI);
  if (parsed.kind !== "run") throw new Error(`not a run: ${JSON.stringify(parsed)}`);
  return ciOptions(parsed.values);
}

describe("the contract command's CI options", () => {
  it("--junit, --report and --min-coverage (a percentage, with or without %)", () => {
    expect(ciOf([])).toEqual({});
    expect(ciOf(["--junit", "out/j.xml", "--report", "r.md", "--min-coverage", "80"])).toEqual({
      junit: "out/j.xml",
      report: "r.md",
      minCoverage: 80,
    });
    expect(ciOf(["--min-coverage", "62.5%"])).toEqual({ minCoverage: 62.5 });
    expect(ciOf(["--min-coverage", "0"])).toEqual({ minCoverage: 0 });
  });

  it("refuses what is not a percentage, an empty file name, and one file for both reports, naming the flag", () => {
    for (const pct of ["eighty", "0x50", "", "1e2"])
      expect(() => ciOf(["--min-coverage", pct])).toThrow(/^--min-coverage must be a percentage/);
    expect(() => ciOf(["--min-coverage=-5"])).toThrow(/^--min-coverage must be a percentage/);
    expect(() => ciOf(["--min-coverage", "100.5"])).toThrow("--min-coverage must be a percentage from 0 to 100, got 100.5");
    expect(() => ciOf(["--junit", ""])).toThrow("--junit needs a file name");
    expect(() => ciOf(["--junit", "a.xml", "--report", "./a.xml"])).toThrow("--junit and --report name the same file (a.xml)");
  });

  it("are in the help, with the exit code the gate gives", async () => {
    const help = (await cli(["contract", "--help"])).stdout;
    for (const flag of ["--junit FILE", "--report FILE", "--min-coverage PCT"]) expect(help).toContain(flag);
    expect(help).toContain("1 it breaks it (or the coverage is below --min-coverage)");
  });
});

describe("the contract command", () => {
  it("is refused through runCli as every command's bad usage is (exit 2), before anything starts", async () => {
    const run = await cli(["contract", "--token", "secret-1", "--access-key", "secret-2", "--secret-key", "secret-3"]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe(
      "error: conflicting credentials: --token is given with --access-key and --secret-key: give either --token or --access-key and --secret-key, not both\n" +
        "See: ims-sharing contract --help\n",
    );
    const unknown = await cli(["contract", "--frobnicate"]);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toContain('error: unknown option --frobnicate for "contract"');
  });

  it("--list-broken lists the broken variants, one a line", async () => {
    const run = await cli(["contract", "--list-broken"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^status-DONE +\S/m);
  });

  it("its help is made from its flags, naming the installed commands; a clone's names its own", async () => {
    const help = (await cli(["contract", "--help"])).stdout;
    expect(help).toMatch(/^Usage: ims-sharing contract \[--upstream URL\] \[--region R\] /);
    expect(help).toContain("start one that checks with: ims-sharing fake --verify-signatures");
    expect(help).toContain("npm install --save-dev @stoplight/prism-cli@5.14.2");
    expect(help).not.toMatch(/npm run|in a clone/);
    for (const flag of ["--recipient-token T", "--no-workflows", "--list-broken", "--broken NAME", "--timeout D"])
      expect(help).toContain(flag);
    expect(help).toMatch(/--recipient-token T +the second tenant's IAM token instead of AK\/SK \(IMS_RECIPIENT_TOKEN\)/);

    const lines: string[] = [];
    const io = {
      out: (t: string) => void lines.push(t),
      err: (t: string) => void lines.push(t),
      env: {},
      isTTY: false,
      signal: new AbortController().signal,
    };
    const clone = { commands: [contractCommand(CLONE)], groups: {} };
    expect(await runCli(["contract", "--help"], io, clone)).toBe(0);
    expect(lines.join("\n")).toMatch(/^Usage: npm run contract -- \[--upstream URL\][^]*start one that checks with: npm run fake\n/);
    expect(await runCli(["contract", "--frobnicate"], io, clone)).toBe(EXIT.usage);
    expect(lines.at(-1)).toBe("See: npm run contract -- --help");
  });
});
