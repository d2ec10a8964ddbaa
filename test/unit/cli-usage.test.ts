// The command line itself, in-process and with no server: the command table, help for every
// command and group, options refused by name, unknown options with the closest name, credentials
// that say what is missing, and bad input (exit 2).
import { describe, expect, it } from "vitest";
import { CLI, COMMANDS, EXIT, GROUPS, runCli } from "../../src/cli/main.js";
import { allFlags, commandName, CONNECTION_FLAGS } from "../../src/cli/framework/flags.js";
import { defineCommand } from "../../src/cli/framework/types.js";
import { credentialsFromEnv, resolveCredentials } from "../../src/environment.js";
import { parseCommandLine } from "../../src/cli/framework/parse.js";
import { closest } from "../../src/suggest.js";
import { parseDuration } from "../../src/duration.js";
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
      // A command that does not connect may take a connection flag: the very same spec, unless it
      // reads no variable for it (contract's --region), and then one of the same type and value.
      for (const [name, spec] of Object.entries(command.flags)) {
        if (!(name in CONNECTION_FLAGS)) continue;
        const shared = CONNECTION_FLAGS[name as keyof typeof CONNECTION_FLAGS];
        if (spec.env === undefined)
          expect({ type: spec.type, value: spec.value }, `${commandName(command)} --${name}`).toEqual({
            type: shared.type,
            value: "value" in shared ? shared.value : undefined,
          });
        else expect(spec, `${commandName(command)} --${name}`).toBe(shared);
      }
    }
  });

  it("describes every group", () => {
    for (const command of COMMANDS.filter((c) => c.path.length > 1)) expect(GROUPS[command.path[0]!], commandName(command)).toBeDefined();
  });
});

describe("help", () => {
  it.each(COMMANDS.map((c) => [commandName(c), c] as const))(
    "%s --help: its usage, the spec's summary, every flag, examples",
    async (name, command) => {
      const run = await cli([...command.path, "--help"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: ims-sharing ${name} `));
      const ops = (
        command.operation === undefined ? [] : typeof command.operation === "string" ? [command.operation] : command.operation
      ) as OperationId[];
      for (const op of ops) expect(run.stdout).toContain(`${operations[op].method} ${operations[op].path} ("${operations[op].summary}")`);
      for (const flag of Object.keys(allFlags(command))) expect(run.stdout).toContain(`--${flag}`);
      expect(run.stdout).toMatch(/\nExamples:\n {2}ims-sharing /);
      expect(run.stderr).toBe("");
    },
  );

  it.each(Object.keys(GROUPS))("%s --help lists the group's commands, not the global help", async (group) => {
    const run = await cli([group, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^ims-sharing ${group}: `));
    for (const command of COMMANDS.filter((c) => c.path[0] === group))
      expect(run.stdout).toMatch(new RegExp(`^ {2}${command.path[1]} +\\S`, "m"));
    expect(run.stdout).not.toContain("Connection and credentials");
    const bare = await cli([group]);
    expect(bare.code).toBe(EXIT.usage);
    expect(bare.stdout).toBe(run.stdout);
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
    expect(run.stdout).toMatch(
      /--member-project ID +a project \(tenant\) acted on.*Not your own project: that is --project-id \(also --project\)/,
    );
    expect(run.stdout).toMatch(
      /--project-id ID +YOUR OWN project, the one the credentials act in \(left out: the region's, found through IAM\); the projects acted on are --member-project \(HUAWEICLOUD_SDK_PROJECT_ID\)/,
    );
  });

  it("--version and -v print the version", async () => {
    for (const flag of ["--version", "-v"]) expect((await cli([flag])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe("options", () => {
  it("an old name is an alias of the new one", () => {
    const parsed = parseCommandLine(
      ["members", "add", "--image", IMAGE, "--project", PROJECT, "--domain", PROJECT, "--organization", "o-abc"],
      CLI,
    );
    expect(parsed).toMatchObject({
      kind: "run",
      values: { "member-project": [PROJECT], "member-domain": [PROJECT], "member-organization": ["o-abc"] },
    });
  });

  it.each([
    [["members", "delete", "--image", IMAGE, "--colour"], 'unknown option --colour for "members delete"'],
    [
      ["members", "delete", "--image", IMAGE, "--member-project", PROJECT, "--jsno"],
      'unknown option --jsno for "members delete"; did you mean --json?',
    ],
    [
      ["members", "add", "--image", IMAGE, "--projct", PROJECT],
      'unknown option --projct for "members add"; did you mean --project (that is --member-project)?',
    ],
    [
      ["members", "add", "--image", IMAGE, "--member-project", PROJECT, "--wiat"],
      'unknown option --wiat for "members add"; did you mean --wait?',
    ],
    [["job", "wait", "abc", "--time", "5m"], 'unknown option --time for "job wait"; did you mean --timeout?'],
    [["job", "show", "abc", "-x"], 'unknown option -x for "job show"'],
  ])("%j: unknown, with the closest name", async (args, message) => {
    const run = await cli(args, OFFLINE);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe(`error: ${message}\nSee: ims-sharing ${args.slice(0, 2).join(" ")} --help\n`);
    expect(run.stderr).not.toMatch(/positional/);
  });

  it.each([
    [
      ["members", "reject", "--image", IMAGE, "--vault", "v1"],
      '--vault is an option of "members accept" and "accept", not of "members reject"',
    ],
    [
      ["job", "show", "abc", "--image", IMAGE],
      '--image is an option of "members add", "members delete", "members list" and 9 more, not of "job show"',
    ],
    [
      ["members", "list", "--image", IMAGE, "--wait"],
      '--wait is an option of "members add", "members delete", "members accept" and 5 more, not of "members list"',
    ],
    [
      ["completion", "bash", "--json"],
      '--json is an option of "members add", "members delete", "members list" and 17 more, not of "completion"',
    ],
    [
      ["completion", "zsh", "--region", "cn-north-4"],
      '--region is an option of "members add", "members delete", "members list" and 16 more, not of "completion"',
    ],
    [["images", "shared", "--member", PROJECT], '--member is an option of "members show", not of "images shared"'],
  ])("%j: another command's option is refused by name", async (args, message) => {
    const run = await cli(args, OFFLINE);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain(`error: ${message}\n`);
  });

  it.each([
    [
      ["members", "delete", "--image", IMAGE],
      /"members delete" needs at least one of --member-project, --member-domain, --member-organization\n/,
    ],
    [
      ["members", "add", "--image", IMAGE, "--project-id", PROJECT],
      /--project-id is your own project, not a member: name the project to act on with --member-project/,
    ],
    [["members", "add", "--member-project", PROJECT], /"members add" needs at least one --image/],
    [["members", "list", "--image", IMAGE, "--image", IMAGE], /--image is given more than once: "members list" takes one/],
    [["members", "add", "--image"], /Option '--image <value>' argument missing/],
    [["members", "delete", "--image", IMAGE, "--member-project", PROJECT, "--timeout", "5m"], /--timeout applies only with --wait/],
    [
      ["members", "delete", "--image", IMAGE, "--member-project", PROJECT, "--wait", "--timeout", "soon"],
      /--timeout: "soon" is not a duration: give a number with a unit, h, m, s or ms, such as 90s, 10m or 1h30m \(a bare number is seconds\)/,
    ],
    [["job", "wait", "abc", "--timeout", "30s1h"], /--timeout: "30s1h" is not a duration/],
    [["job", "wait", "a", "b"], /unexpected argument "b"/],
    [
      ["members", "list", "--image", IMAGE, "--project-id", PROJECT, "--page-size", "0"],
      /--page-size: "0" is not a whole number from 1 to 1000/,
    ],
    [["job", "sho", "abc"], /unknown command "job sho"; did you mean "job show"\? \(job commands: show, wait\)/],
    [["images", "lis"], /unknown command "images lis"; did you mean "images list"\? \(images commands: shared, list, copy, delete\)/],
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
    expect(run.stderr).toBe(
      'error: invalid input: owner must be a project ID (32 lower-case hexadecimal digits, such as 9c61004714024f9586705d090530f9fa), got "nope"\n',
    );
  });

  it("with --json, bad usage is an error event on stdout", async () => {
    const run = await cli(["members", "reject", "--image", IMAGE, "--vault", "v", "--json"], OFFLINE);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe("");
    expect(run.events).toEqual([
      {
        event: "error",
        exitCode: 2,
        jobId: null,
        resume: null,
        check: [],
        error: { name: "UsageError", message: '--vault is an option of "members accept" and "accept", not of "members reject"' },
      },
    ]);
  });

  it("closest() names a near miss and nothing for an unrelated word", () => {
    expect(closest("jsno", ["json", "wait"])).toBe("json");
    expect(closest("colour", ["json", "wait", "image", "token"])).toBeUndefined();
    expect(closest("verb", ["verbose", "version"])).toBe("verbose");
  });
});

describe("durations (--timeout, fake --job-duration)", () => {
  it.each([
    ["1h30m", 5_400_000],
    ["90s", 90_000],
    ["1500ms", 1_500],
    ["90", 90_000],
    ["1.5s", 1_500],
    ["2m30s", 150_000],
    ["1h0m5s", 3_605_000],
    [" 10m ", 600_000],
    ["1m500ms", 60_500],
  ])("%j is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "soon", "5 m", "30s1h", "5m5m", "1d", "0", "0s", "-5s", "1h30", "m", "1.s", "Infinity"])("%j is not a duration", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("--timeout says its unit in help", async () => {
    for (const command of [["members", "add"], ["job", "wait"], ["apply"]]) {
      expect((await cli([...command, "--help"])).stdout).toMatch(
        /--timeout D +give up waiting after D: a number with a unit, h, m, s or ms, combined as in 1h30m \(a bare number is seconds\); default 5m/,
      );
    }
  });
});

describe("every command's help", () => {
  it.each(COMMANDS.map((c) => [commandName(c), c] as const))("%s --help lists its exit codes", async (_, command) => {
    expect((await cli([...command.path, "--help"])).stdout).toMatch(/\n\nExit codes: 0 [^\n]+/);
  });

  it("and every other text a user reads never sends them to 'the seed page' or a 'seed operation'", async () => {
    const texts = [
      (await cli(["--help"])).stdout,
      ...(await Promise.all(COMMANDS.map(async (c) => (await cli([...c.path, "--help"])).stdout))),
    ];
    expect(texts.join("\n")).toContain("Usage: ims-sharing contract "); // made from the table, as every command's
    for (const text of texts) expect(text).not.toMatch(/seed (page|operation)/i);
  });
});

describe("credentials and endpoint", () => {
  it.each([
    [["--access-key", "secret-1"], {}, "incomplete credentials: --access-key is given without --secret-key"],
    [["--secret-key", "secret-2"], {}, "incomplete credentials: --secret-key is given without --access-key"],
    [
      ["--token", "secret-3", "--access-key", "secret-4", "--secret-key", "secret-5"],
      {},
      "conflicting credentials: --token is given with --access-key and --secret-key: give either --token or --access-key and --secret-key, not both",
    ],
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

  it("resolveCredentials: a flag beats any variable, of either kind; variables of both kinds are refused", () => {
    const env = { HUAWEICLOUD_SDK_AK: "envak", HUAWEICLOUD_SDK_SK: "envsk", IMS_TOKEN: "envtoken" };
    expect(resolveCredentials({ token: "flagtoken" }, env)).toEqual({
      auth: { token: "flagtoken" },
      source: { from: "flags", flags: ["--token"] },
    });
    expect(resolveCredentials({ accessKey: "a", secretKey: "s" }, env)).toEqual({
      auth: { accessKey: "a", secretKey: "s" },
      source: { from: "flags", flags: ["--access-key", "--secret-key"] },
    });
    expect(resolveCredentials({}, { HUAWEICLOUD_SDK_AK: "envak", HUAWEICLOUD_SDK_SK: "envsk" })).toEqual({
      auth: { accessKey: "envak", secretKey: "envsk" },
      source: { from: "env", names: { accessKey: "HUAWEICLOUD_SDK_AK", secretKey: "HUAWEICLOUD_SDK_SK" } },
    });
    expect(resolveCredentials({}, env)).toEqual({
      problem: expect.stringMatching(
        /^conflicting credentials: an IAM token \(IMS_TOKEN\) and AK\/SK \(HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK\) are both set/,
      ),
    });
    expect(resolveCredentials({}, { IMS_TOKEN: "t", HUAWEICLOUD_SDK_AK: "only" })).toEqual({
      problem: expect.stringContaining("IMS_TOKEN"),
    });
    expect(JSON.stringify(resolveCredentials({}, env))).not.toMatch(/envak|envsk|envtoken/);
  });

  it("credentialsFromEnv reads the variables it is given the names of, by the same rule", () => {
    const names = { accessKey: "NORTH_AK", secretKey: "NORTH_SK", securityToken: "NORTH_ST", token: "NORTH_TOKEN" };
    expect(credentialsFromEnv({ NORTH_AK: "a", NORTH_SK: "s", HUAWEICLOUD_SDK_AK: "other", IMS_TOKEN: "other" }, names)).toEqual({
      auth: { accessKey: "a", secretKey: "s" },
      names: { accessKey: "NORTH_AK", secretKey: "NORTH_SK" },
    });
    expect(credentialsFromEnv({ NORTH_AK: "a", NORTH_SK: "s", NORTH_ST: "t" }, names)).toEqual({
      auth: { accessKey: "a", secretKey: "s", securityToken: "t" },
      names: { accessKey: "NORTH_AK", secretKey: "NORTH_SK", securityToken: "NORTH_ST" },
    });
    expect(credentialsFromEnv({ NORTH_TOKEN: "x" }, { token: "NORTH_TOKEN" })).toEqual({
      auth: { token: "x" },
      names: { token: "NORTH_TOKEN" },
    });
    expect(credentialsFromEnv({ NORTH_TOKEN: "x", NORTH_AK: "a", NORTH_SK: "s" }, names)).toEqual({
      problem:
        "conflicting credentials: an IAM token (NORTH_TOKEN) and AK/SK (NORTH_AK and NORTH_SK) are both set, and nothing says which to use: unset one",
    });
    expect(credentialsFromEnv({ NORTH_SK: "s" }, names)).toEqual({
      problem: "incomplete credentials: NORTH_SK is set but NORTH_AK is not",
    });
    expect(credentialsFromEnv({ NORTH_ST: "t" }, names)).toEqual({
      problem: "incomplete credentials: NORTH_ST is set but NORTH_AK and NORTH_SK are not",
    });
    expect(credentialsFromEnv({ NORTH_TOKEN: "" }, names)).toBeUndefined();
  });

  it("without a region or endpoint, says where to set one", async () => {
    const run = await cli(["job", "show", "abc"]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain("error: say where IMS is: --region (or HUAWEICLOUD_SDK_REGION) or --endpoint (or IMS_ENDPOINT)");
  });
});

/** A fetch that records every request and answers 404 IMG.0023: what a run sent, and where. */
function recorder() {
  const seen: Request[] = [];
  const fetch = (request: Request) => {
    seen.push(request);
    return Promise.resolve(
      new Response(JSON.stringify({ error: { code: "IMG.0023", message: "no such job" } }), {
        status: 404,
        headers: { "content-type": "application/json" },
      }),
    );
  };
  return { seen, client: { retry: { attempts: 1 }, fetch } };
}

describe("flags win: one rule for every pair", () => {
  const JOB = "0123456789abcdef0123456789abcdef";
  const REGION_URL = "https://ims.cn-north-4.myhuaweicloud.com/";

  it.each([
    ["--region beats IMS_ENDPOINT", ["--region", "cn-north-4"], { IMS_ENDPOINT: "http://127.0.0.1:4111" }, REGION_URL],
    [
      "--endpoint beats HUAWEICLOUD_SDK_REGION",
      ["--endpoint", "http://127.0.0.1:4111"],
      { HUAWEICLOUD_SDK_REGION: "cn-north-4" },
      "http://127.0.0.1:4111/",
    ],
    [
      "--endpoint settles IMS_ENDPOINT and HUAWEICLOUD_SDK_REGION both set",
      ["--endpoint", "http://127.0.0.1:4112"],
      { IMS_ENDPOINT: "http://127.0.0.1:4111", HUAWEICLOUD_SDK_REGION: "cn-north-4" },
      "http://127.0.0.1:4112/",
    ],
  ])("%s", async (_, flags, env, url) => {
    const { seen, client } = recorder();
    const run = await cli(["job", "show", JOB, ...flags], { env, client });
    expect(run.code, run.stderr).toBe(EXIT.api);
    expect(seen.map((r) => r.url)).toEqual([`${url}v1/cloudimages/job/${JOB}`]);
  });

  it.each([
    [
      "--token beats HUAWEICLOUD_SDK_AK/SK",
      ["--token", "flag-token"],
      { IMS_TOKEN: "", HUAWEICLOUD_SDK_AK: "env-ak", HUAWEICLOUD_SDK_SK: "env-sk" },
      "token",
    ],
    ["--access-key/--secret-key beat IMS_TOKEN", ["--access-key", "FLAGAK", "--secret-key", "flag-sk"], { IMS_TOKEN: "env-token" }, "aksk"],
    [
      "--token settles IMS_TOKEN and HUAWEICLOUD_SDK_AK/SK both set",
      ["--token", "flag-token"],
      { IMS_TOKEN: "env-token", HUAWEICLOUD_SDK_AK: "env-ak", HUAWEICLOUD_SDK_SK: "env-sk" },
      "token",
    ],
  ])("%s", async (_, flags, env, kind) => {
    const { seen, client } = recorder();
    const run = await cli(["job", "show", JOB, "--endpoint", "http://127.0.0.1:4111", ...flags], { env, client });
    expect(run.code, run.stderr).toBe(EXIT.api);
    const [request] = seen;
    if (kind === "token") {
      expect(request?.headers.get("x-auth-token")).toBe("flag-token");
      expect(request?.headers.get("authorization")).toBeNull();
    } else {
      expect(request?.headers.get("authorization")).toMatch(/^SDK-HMAC-SHA256 Access=FLAGAK, /);
      expect(request?.headers.get("x-auth-token")).toBeNull();
    }
  });

  it.each([
    [["--endpoint", "http://127.0.0.1:4111", "--region", "cn-north-4"], {}, "--endpoint and --region are both given: give one"],
    [
      [],
      { IMS_ENDPOINT: "http://127.0.0.1:4111", HUAWEICLOUD_SDK_REGION: "cn-north-4" },
      "IMS_ENDPOINT and HUAWEICLOUD_SDK_REGION are both set, and nothing says which to use: give --endpoint or --region to choose, or unset one",
    ],
    [["--token", "secret-1", "--secret-key", "secret-2"], {}, "conflicting credentials: --token is given with --secret-key"],
    [
      [],
      { IMS_TOKEN: "secret-3", HUAWEICLOUD_SDK_AK: "secret-4", HUAWEICLOUD_SDK_SK: "secret-5" },
      "conflicting credentials: an IAM token (IMS_TOKEN) and AK/SK (HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK) are both set, and nothing says which to use: give --token, or --access-key and --secret-key, to choose, or unset one",
    ],
  ])("%j with %j: refused (exit 2) naming both, before anything is sent", async (flags, env, message) => {
    const { seen, client } = recorder();
    const run = await cli(["job", "show", JOB, ...flags], { env: { IMS_ENDPOINT: "http://127.0.0.1:4111", ...env }, client });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain(`error: ${message}`);
    expect(run.stdout + run.stderr).not.toMatch(/secret-\d/);
    expect(seen).toEqual([]);
  });

  it("plain http:// off this machine is refused naming --allow-insecure-http, which then lets it through", async () => {
    const { seen, client } = recorder();
    const refused = await cli(["job", "show", JOB, "--endpoint", "http://10.1.2.3:8080"], { client });
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toContain("plain http:// to 10.1.2.3");
    expect(refused.stderr).toContain("pass --allow-insecure-http");
    expect(refused.stderr).not.toContain("allowInsecureHttp");
    expect(seen).toEqual([]);
    const allowed = await cli(["job", "show", JOB, "--endpoint", "http://10.1.2.3:8080", "--allow-insecure-http"], { client });
    expect(allowed.code, allowed.stderr).toBe(EXIT.api);
    expect(seen.map((r) => r.url)).toEqual([`http://10.1.2.3:8080/v1/cloudimages/job/${JOB}`]);
  });

  it("a region whose endpoint does not resolve: said at once (exit 3), with no hint to run the same thing again", async () => {
    const seen: string[] = [];
    const dns = Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("getaddrinfo ENOTFOUND ims.cn-nrth-4.myhuaweicloud.com"), { code: "ENOTFOUND" }),
    });
    const client = { fetch: (r: Request) => (seen.push(r.url), Promise.reject(dns)) };
    // With the project given: without it, IAM would be asked first (where the project of a region
    // that does not exist is not found either).
    const run = await cli(["job", "wait", JOB, "--region", "cn-nrth-4", "--project-id", PROJECT], { client });
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toContain('no IMS endpoint exists for region "cn-nrth-4"');
    expect(run.stderr).not.toContain("check with");
    expect(seen).toHaveLength(1);
  });

  it("help says the rules, on every command that connects and in the global help", async () => {
    for (const args of [["members", "add", "--help"], ["--help"]]) {
      const help = (await cli(args)).stdout;
      expect(help).toContain("A flag beats the environment: --region wins over IMS_ENDPOINT, --token over HUAWEICLOUD_SDK_AK/SK");
      expect(help).toContain(
        "Two of different kinds together are refused: --endpoint with --region, --token with --access-key/--secret-key;",
      );
      expect(help).toContain(
        "so are IMS_ENDPOINT with HUAWEICLOUD_SDK_REGION, or IMS_TOKEN with HUAWEICLOUD_SDK_AK/SK, when no flag chooses",
      );
      expect(help).toMatch(/--allow-insecure-http +allow a plain http:\/\/ endpoint that is not on this machine/);
    }
  });
});

describe("the framework runs the table it is given", () => {
  it("a command of another table: parsed, run, and in the help", async () => {
    const echo = defineCommand({
      path: ["echo"],
      summary: "Print the arguments",
      args: [{ name: "WORD", help: "what to print" }],
      flags: { loud: { type: "boolean", help: "in capitals" } },
      waits: "never",
      connects: false,
      examples: ["ims-sharing echo hello --loud"],
      run: (ctx) => {
        const word = ctx.args[0] ?? "";
        ctx.out.line(ctx.values.loud ? word.toUpperCase() : word);
        return Promise.resolve(EXIT.ok);
      },
    });
    const lines: string[] = [];
    const io = {
      out: (t: string) => void lines.push(t),
      err: (t: string) => void lines.push(t),
      env: {},
      isTTY: false,
      signal: new AbortController().signal,
    };
    const table = { commands: [...COMMANDS, echo], groups: GROUPS };
    expect(await runCli(["echo", "hello", "--loud"], io, table)).toBe(0);
    expect(lines).toEqual(["HELLO"]);
    expect(await runCli(["--help"], io, table)).toBe(0);
    expect(lines.at(-1)).toMatch(/\n {2}echo +Print the arguments\n/);
    expect(await runCli(["echo", "--loud"], io, table)).toBe(EXIT.usage);
    expect(lines.at(-2)).toBe("error: echo takes one WORD");
    // The package's own table has no such command.
    expect(await runCli(["echo", "hello"], io)).toBe(EXIT.usage);
  });
});
