// Tab completion, generated from the command table: the bash script is run in bash with the
// words a user typed; the zsh one is checked for what it offers (and parsed by zsh where installed).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { CLI, COMMANDS } from "../../src/cli/main.js";
import { allFlags, commandName } from "../../src/cli/framework/flags.js";
import { bashCompletion, zshCompletion } from "../../src/cli/framework/completion.js";
import { OPERATION_IDS } from "../../src/operations.js";
import { cli } from "../helpers/cli.js";

const has = (shell: string) => spawnSync(shell, ["-c", "true"]).status === 0;

/** What bash completes after the words typed (the last one being completed). */
function complete(...typed: string[]): string[] {
  const words = ["ims-sharing", ...typed].map((w) => `'${w}'`).join(" ");
  const driver = `COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _ims_sharing; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = spawnSync("bash", ["--norc", "-c", `${bashCompletion(CLI)}\n${driver}`], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return run.stdout.split("\n").filter(Boolean).sort();
}

describe.skipIf(!has("bash"))("bash", () => {
  it("completes commands, then the words of a group", () => {
    expect(complete("")).toEqual([
      "--help",
      "--version",
      "accept",
      "api",
      "apply",
      "completion",
      "contract",
      "fake",
      "images",
      "import",
      "job",
      "members",
      "plan",
      "project",
      "quota",
      "reject",
    ]);
    expect(complete("members", "a")).toEqual(["accept", "add"]);
    expect(complete("job", "")).toEqual(["--help", "show", "wait"]);
  });

  it.each(COMMANDS.map((c) => [commandName(c), c] as const))("%s: exactly its own flags", (_, command) => {
    const expected = Object.keys(allFlags(command))
      .filter((f) => f !== "version")
      .map((f) => `--${f}`)
      .sort();
    expect(complete(...command.path, "--")).toEqual(expected);
  });

  it("skips flags and their values to find the command, and offers fixed values", () => {
    expect(complete("--region", "cn-north-4", "mem")).toEqual(["members"]);
    expect(complete("members", "add", "--image", "add", "--w")).toEqual(["--wait"]);
    expect(complete("images", "shared", "--status", "")).toEqual(["accepted", "pending", "rejected"]);
    // The same flag, other values: each command's own, from the spec's enum for images list.
    expect(complete("images", "list", "--status", "")).toEqual(["active", "deleted", "killed", "queued", "saving"]);
    expect(complete("images", "list", "--type", "")).toEqual(["gold", "market", "private", "shared"]);
    expect(complete("images", "")).toEqual(["--help", "copy", "delete", "list", "shared"]);
    expect(complete("members", "add", "--image", "")).toEqual([]);
    expect(complete("job", "wait", "abc123", "--t")).toEqual(["--timeout", "--token"]);
    expect(complete("completion", "")).toEqual(["--help", "bash", "zsh"]);
    expect(complete("completion", "bash", "")).toEqual(["--help"]);
  });

  it("offers api the operation IDs of the spec's table, then its flags", () => {
    const flags = Object.keys(allFlags(COMMANDS.find((c) => commandName(c) === "api")!))
      .filter((f) => f !== "version")
      .map((f) => `--${f}`);
    expect(complete("api", "")).toEqual([...OPERATION_IDS, ...flags].sort());
    expect(complete("api", "listI")).toEqual(OPERATION_IDS.filter((id) => id.startsWith("listI")).sort());
    expect(complete("api", "listImageMembers", "--pa")).toEqual(["--paginate", "--path"]);
  });

  it("is what `ims-sharing completion bash` prints", async () => {
    const run = await cli(["completion", "bash"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${bashCompletion(CLI)}\n`);
  });
});

describe("zsh", () => {
  const script = zshCompletion(CLI);

  it("offers every command word and every flag, with descriptions", () => {
    expect(script).toMatch(/^#compdef ims-sharing\n/);
    for (const command of COMMANDS) {
      expect(script).toContain(`'${command.path.at(-1)}:`);
      for (const flag of Object.keys(allFlags(command))) expect(script).toContain(`'--${flag}:`);
    }
    expect(script).toContain('"images shared:--status") compadd -- pending accepted rejected; return ;;');
    expect(script).toContain('"images list:--status") compadd -- queued saving deleted killed active; return ;;');
    for (const id of OPERATION_IDS) expect(script).toContain(`'${id}:`);
    expect(script).toContain("compdef _ims_sharing ims-sharing");
  });

  it.skipIf(!has("zsh"))("parses", () => {
    const run = spawnSync("zsh", ["-n"], { input: script, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("is what `ims-sharing completion zsh` prints", async () => {
    expect((await cli(["completion", "zsh"])).stdout).toBe(`${script}\n`);
  });
});
