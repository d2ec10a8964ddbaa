// The command line itself, in-process and with no server: the command table, help for every
// command and group, options refused by name, unknown options with the closest name, credentials
// that say what is missing, and bad input (exit 2).
import { describe, expect, it } from "vitest";
import { COMMANDS, EXIT, runCli } from "../../src/cli/main.js";
import { allFlags, commandName, CONNECTION_FLAGS, defineCommand, GROUPS } from "../../src/cli/commands.js";
import { resolveCredentials } from "../../src/cli/env.js";
import { closest, parseCommandLine } from "../../src/cli/parse.js";
import { operations, type OperationId } from "../../generated/operations.js";
import { cli } from "../helpers/cli.js";

const IMAGE = "d164b5df-1bc3-4c3f-893e-3e471fd16e64";
const PROJECT = "9c61004714024f9586705d090530f9fa";
/** No server: a run that got as far as connecting would fail with a network error (3), not 2. */
const OFFLINE = { env: { IMS_ENDPOINT: "http://127.0.0.1:9" } };

describe("the command table", () => {
  it("names each command once, and each operation is in the spec", () => {
    const names = COMMANDS.map(commandName);
    expect(new Set(names).size).toBe(names.length);
    for (const command of COMMANDS) {
      const ops = command.operation === undefined ? [] : typeof command.operation === "string" ? [command.operation] : command.operation;
      for (const op of ops) expect(Object.keys(operations), commandName(command)).toContain(op);
      expect(ops.length > 0 || command.summary !== undefined, commandName(command)).toBe(true);
      expect(command.examples.length, commandName(command)).toBeGreaterThan(0);
    }
  });

  it("gives a flag one type everywhere, and no command redefines a shared flag", () => {
    const seen = new Map<string, string>();
    for (const command of COMMANDS) {
      for (const [name, spec] of Object.entries(allFlags(command))) {
        for (const n of [name, ...(spec.aliases ?? [])]) {
          expect(seen.get(n) ?? spec.type, `--${n}`).toBe(spec.type);
          seen.set(n, spec.type);
        }
      }
      for (const name of Object.keys(command.flags)) expect(Object.keys(CONNECTION_FLAGS)).not.toContain(name);
    }
  });

  it("describes every group", () => {
    for (const command of COMMANDS.filter((c) => c.path.length > 1)) expect(GROUPS[command.path[0]!], commandName(command)).toBeDefined();
  });
});

describe("help", () => {
  it.each(COMMANDS.filter((c) => !c.rawArgs).map((c) => [commandName(c), c] as const))("%s --help: its usage, the spec's summary, every flag, examples", async (name, command) => {
    const run = await cli([...command.path, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: ims-sharing ${name} `));
    const ops = (command.operation === undefined ? [] : typeof command.operation === "string" ? [command.operation] : command.operation) as OperationId[];
    for (const op of ops) expect(run.stdout).toContain(`${operations[op].method} ${operations[op].path} ("${operations[op].summary}")`);
    for (const flag of Object.keys(allFlags(command))) expect(run.stdout).toContain(`--${flag}`);
    expect(run.stdout).toMatch(/\nExamples:\n {2}ims-sharing /);
    expect(run.stderr).toBe("");
  });

  it.each(Object.keys(GROUPS))("%s --help lists the group's commands, not the global help", async (group) => {
    const run = await cli([group, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^ims-sharing ${group}: `));
    for (const command of COMMANDS.filter((c) => c.path[0] === group)) expect(run.stdout).toMatch(new RegExp(`^ {2}${command.path[1]} +\\S`, "m"));
    expect(run.stdout).not.toContain("Connection and credentials");
    const bare = await cli([group]);
    expect(bare.code).toBe(EXIT.usage);
    expect(bare.stdout).toBe(run.stdout + "");
  });

  it("the global help lists every command; with no arguments it exits 2", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`\n  ${commandName(command)} `);
    const none = await cli([]);
    expect(none.code).toBe(EXIT.usage);
    expect(none.stdout).toBe(help.stdout);
  });

  it("says which project is yours (--project-id) and which are acted on (--member-project, formerly --project)", async () => {
    const run = await cli(["members", "add", "--help"]);
    expect(run.stdout).toMatch(/--member-project ID +a project \(tenant\) acted on.*Not your own project: that is --project-id \(also --project\)/);
    expect(run.stdout).toMatch(/--project-id ID +YOUR OWN project, the one the credentials act in; the projects acted on are --member-project \(HUAWEICLOUD_SDK_PROJECT_ID\)/);
  });

  it("--version and -v print the version", async () => {
    for (const flag of ["--version", "-v"]) expect((await cli([flag])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe("options", () => {
  it("an old name is an alias of the new one", () => {
    const parsed = parseCommandLine(["members", "add", "--image", IMAGE, "--project", PROJECT, "--domain", PROJECT, "--organization", "o-abc"], COMMANDS);
    expect(parsed).toMatchObject({ kind: "run", values: { "member-project": [PROJECT], "member-domain": [PROJECT], "member-organization": ["o-abc"] } });
  });

  it.each([
    [["members", "delete", "--image", IMAGE, "--colour"], 'unknown option --colour for "members delete"'],
    [["members", "delete", "--image", IMAGE, "--member-project", PROJECT, "--jsno"], 'unknown option --jsno for "members delete"; did you mean --json?'],
    [["members", "add", "--image", IMAGE, "--projct", PROJECT], 'unknown option --projct for "members add"; did you mean --project (that is --member-project)?'],
    [["members", "add", "--image", IMAGE, "--member-project", PROJECT, "--wiat"], 'unknown option --wiat for "members add"; did you mean --wait?'],
    [["job", "wait", "abc", "--time", "5m"], 'unknown option --time for "job wait"; did you mean --timeout?'],
    [["job", "show", "abc", "-x"], 'unknown option -x for "job show"'],
  ])("%j: unknown, with the closest name", async (args, message) => {
    const run = await cli(args, OFFLINE);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe(`error: ${message}\nSee: ims-sharing ${args.slice(0, 2).join(" ")} --help\n`);
    expect(run.stderr).not.toMatch(/positional/);
  });

  it.each([
    [["members", "reject", "--image", IMAGE, "--vault", "v1"], '--vault is an option of "members accept" and "accept", not of "members reject"'],
    [["job", "show", "abc", "--image", IMAGE], '--image is an option of "members add", "members delete", "members list" and 4 more, not of "job show"'],
    [["members", "list", "--image", IMAGE, "--wait"], '--wait is an option of "members add", "members delete", "members accept" and 2 more, not of "members list"'],
    [["completion", "bash", "--json"], '--json is an option of "members add", "members delete", "members list" and 9 more, not of "completion"'],
    [["completion", "zsh", "--region", "cn-north-4"], '--region is an option of "members add", "members delete", "members list" and 7 more, not of "completion"'],
    [["images", "shared", "--member", PROJECT], '--member is an option of "members show", not of "images shared"'],
  ])("%j: another command's option is refused by name", async (args, message) => {
    const run = await cli(args, OFFLINE);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain(`error: ${message}\n`);
  });

  it.each([
    [["members", "delete", "--image", IMAGE], /"members delete" needs at least one of --member-project, --member-domain, --member-organization\n/],
    [["members", "add", "--image", IMAGE, "--project-id", PROJECT], /--project-id is your own project, not a member: name the project to act on with --member-project/],
    [["members", "add", "--member-project", PROJECT], /"members add" needs at least one --image/],
    [["members", "list", "--image", IMAGE, "--image", IMAGE], /--image is given more than once: "members list" takes one/],
    [["members", "add", "--image"], /Option '--image <value>' argument missing/],
    [["members", "delete", "--image", IMAGE, "--member-project", PROJECT, "--timeout", "5m"], /--timeout applies only with --wait/],
    [["members", "delete", "--image", IMAGE, "--member-project", PROJECT, "--wait", "--timeout", "soon"], /--timeout: "soon" is not a duration/],
    [["job", "wait", "a", "b"], /unexpected argument "b"/],
    [["members", "list", "--image", IMAGE, "--project-id", PROJECT, "--page-size", "0"], /--page-size: "0" is not a whole number from 1 to 1000/],
    [["job", "sho", "abc"], /unknown command "job sho"; did you mean "job show"\? \(job commands: show, wait\)/],
    [["images", "list"], /unknown command "images list" \(images commands: shared\)/],
    [["member", "add"], /unknown command "member"; did you mean "members"\?/],
  ])("%j exits 2", async (args, message) => {
    const run = await cli(args, OFFLINE);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/\nSee: ims-sharing .*--help\n$/);
  });

  it("input the spec refuses exits 2 before anything is sent", async () => {
    const run = await cli(["images", "shared", "--owner", "nope"], OFFLINE);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe('error: invalid input: owner "nope" does not match the expected format ^[0-9a-fA-F]{32}$\n');
  });

  it("with --json, bad usage is an error event on stdout", async () => {
    const run = await cli(["members", "reject", "--image", IMAGE, "--vault", "v", "--json"], OFFLINE);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe("");
    expect(run.events).toEqual([{
      event: "error", exitCode: 2, jobId: null, resume: null,
      error: { name: "UsageError", message: '--vault is an option of "members accept" and "accept", not of "members reject"' },
    }]);
  });

  it("closest() names a near miss and nothing for an unrelated word", () => {
    expect(closest("jsno", ["json", "wait"])).toBe("json");
    expect(closest("colour", ["json", "wait", "image", "token"])).toBeUndefined();
    expect(closest("verb", ["verbose", "version"])).toBe("verbose");
  });
});

describe("credentials and endpoint", () => {
  it.each([
    [["--access-key", "secret-1"], {}, "incomplete credentials: --access-key is given without --secret-key"],
    [["--secret-key", "secret-2"], {}, "incomplete credentials: --secret-key is given without --access-key"],
    [["--token", "secret-3", "--access-key", "secret-4", "--secret-key", "secret-5"], {}, "conflicting credentials: give either --token or --access-key and --secret-key, not both"],
    [["--security-token", "secret-6"], {}, "incomplete credentials: --security-token goes with --access-key and --secret-key"],
    [[], { HUAWEICLOUD_SDK_AK: "secret-7" }, "incomplete credentials: HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not"],
    [[], { HUAWEICLOUD_SDK_SK: "secret-8" }, "incomplete credentials: HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not"],
    [[], {}, "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or IMS_TOKEN"],
  ])("%j with %j: says what is missing", async (flags, env, message) => {
    const run = await cli(["job", "show", "abc", ...flags], { env: { IMS_TOKEN: "", IMS_ENDPOINT: "http://127.0.0.1:9", ...env } });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain(`error: ${message}`);
    expect(run.stdout + run.stderr).not.toMatch(/secret-\d/);
  });

  it("flags win over the environment, a kind at a time", () => {
    const env = { HUAWEICLOUD_SDK_AK: "envak", HUAWEICLOUD_SDK_SK: "envsk", IMS_TOKEN: "envtoken" };
    expect(resolveCredentials({ token: "flagtoken" }, env)).toEqual({ auth: { token: "flagtoken" } });
    expect(resolveCredentials({ accessKey: "a", secretKey: "s" }, env)).toEqual({ auth: { accessKey: "a", secretKey: "s" } });
    expect(resolveCredentials({}, env)).toEqual({ auth: { accessKey: "envak", secretKey: "envsk" } });
    expect(resolveCredentials({}, { IMS_TOKEN: "t", HUAWEICLOUD_SDK_AK: "only" })).toEqual({ auth: { token: "t" } });
  });

  it("without a region or endpoint, says where to set one", async () => {
    const run = await cli(["job", "show", "abc"]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain("error: say where IMS is: --region (or HUAWEICLOUD_SDK_REGION) or --endpoint (or IMS_ENDPOINT)");
  });
});

describe("a command that parses its own arguments", () => {
  it("gets everything after its words untouched, --help included, and is listed in the help", async () => {
    const echo = defineCommand({
      path: ["echo"], summary: "Print the arguments", flags: {}, waits: "never", connects: false, rawArgs: true, examples: ["ims-sharing echo --x"],
      run: (ctx) => {
        ctx.out.line(JSON.stringify(ctx.args));
        return Promise.resolve(EXIT.ok);
      },
    });
    const lines: string[] = [];
    const io = { out: (t: string) => void lines.push(t), err: (t: string) => void lines.push(t), env: {}, isTTY: false, signal: new AbortController().signal };
    expect(await runCli(["echo", "--upstream", "x", "--help", "y"], io, [...COMMANDS, echo])).toBe(0);
    expect(lines).toEqual(['["--upstream","x","--help","y"]']);
    expect(await runCli(["--help"], io, [...COMMANDS, echo])).toBe(0);
    expect(lines.at(-1)).toMatch(/\n {2}echo +Print the arguments\n/);
  });
});
