// The README's command-line section against the code: its table of JSON events is exactly
// JSON_EVENTS, and its table of commands names every command of the command table. And the
// parts of the README that speak for the command line say what is true of it.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { COMMANDS, JSON_EVENTS } from "../../src/cli/main.js";
import { CONNECTION_RULES } from "../../src/cli/framework/flags.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const section = readme.slice(readme.indexOf("## Command line"), readme.indexOf("## The fake IMS"));
const cells = (row: string) =>
  row
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim());

describe("the README's command line section", () => {
  it("documents every JSON event, with its fields, and no other", () => {
    const table = section.slice(section.indexOf("| event | when | fields |"));
    const rows = table
      .split("\n")
      .slice(2)
      .filter((l) => l.startsWith("|"));
    const documented = Object.fromEntries(
      rows.map((row) => {
        const [name, when, fields] = cells(row);
        return [name!.replaceAll("`", ""), { when, fields: fields!.split(",").map((f) => f.trim().replaceAll("`", "")) }];
      }),
    );
    expect(Object.keys(documented).sort()).toEqual(Object.keys(JSON_EVENTS).sort());
    for (const [name, event] of Object.entries(JSON_EVENTS)) {
      expect(documented[name], name).toEqual({ when: event.when, fields: Object.keys(event.fields) });
    }
  });

  it("lists every command of the command table", () => {
    const table = section.slice(section.indexOf("| command | what |"));
    const rows = table
      .split("\n")
      .slice(2)
      .filter((l) => l.startsWith("|"))
      .map((row) => cells(row)[0]!.replaceAll("`", ""));
    for (const command of COMMANDS) {
      const name = command.path.join(" ");
      expect(
        rows.some((row) => row === name || row.startsWith(`${name} `) || row.startsWith(`${name}|`)),
        name,
      ).toBe(true);
    }
  });

  it("states the rule of flags and variables, and --allow-insecure-http", () => {
    expect(CONNECTION_RULES.join(" ")).toContain("A flag beats the environment");
    expect(section).toContain("**a flag beats any variable**");
    expect(section).toMatch(/two flags of different kinds together\s+are refused \(exit 2\)/);
    expect(section).toMatch(/so are two variables of different kinds with no flag to choose/);
    expect(section).toContain("`--allow-insecure-http`");
  });
});

describe("the README's first screen", () => {
  const firstScreen = readme.slice(0, readme.indexOf("\n## "));
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { name: string; version: string };

  it("says how to install from a clone until the package is on the registry, naming npm pack's tarball", () => {
    expect(firstScreen).toContain(`\`npm ci && npm pack\` there makes \`${pkg.name}-${pkg.version}.tgz\``);
    expect(firstScreen).toContain(`\`npm install /path/to/${pkg.name}-${pkg.version}.tgz\``);
  });

  it("says what a project made by npm init -y needs for the example: type=module, or a .mts file", () => {
    expect(firstScreen).toContain('`npm init -y` (npm writes `"type": "commonjs"`)');
    expect(firstScreen).toContain("`npm pkg set type=module`");
    expect(firstScreen).toContain("`.mts`");
  });
});

describe("the README, where it speaks for the command line", () => {
  it("never says 'the seed page' or 'seed operation'", () => {
    const firstScreen = readme.slice(0, readme.indexOf("\n## "));
    for (const text of [firstScreen, section]) expect(text).not.toMatch(/seed (page|operation)/i);
  });
});
