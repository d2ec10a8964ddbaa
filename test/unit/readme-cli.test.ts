// The README's command-line section against the code: its table of JSON events is exactly
// JSON_EVENTS, and its table of commands names every command of the command table.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { COMMANDS, JSON_EVENTS } from "../../src/cli/main.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const section = readme.slice(readme.indexOf("## Command line"), readme.indexOf("## The fake IMS"));
const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());

describe("the README's command line section", () => {
  it("documents every JSON event, with its fields, and no other", () => {
    const table = section.slice(section.indexOf("| event | when | fields |"));
    const rows = table.split("\n").slice(2).filter((l) => l.startsWith("|"));
    const documented = Object.fromEntries(rows.map((row) => {
      const [name, when, fields] = cells(row);
      return [name!.replaceAll("`", ""), { when, fields: fields!.split(",").map((f) => f.trim().replaceAll("`", "")) }];
    }));
    expect(Object.keys(documented).sort()).toEqual(Object.keys(JSON_EVENTS).sort());
    for (const [name, event] of Object.entries(JSON_EVENTS)) {
      expect(documented[name], name).toEqual({ when: event.when, fields: Object.keys(event.fields) });
    }
  });

  it("lists every command of the command table", () => {
    const table = section.slice(section.indexOf("| command | what |"));
    const rows = table.split("\n").slice(2).filter((l) => l.startsWith("|")).map((row) => cells(row)[0]!.replaceAll("`", ""));
    for (const command of COMMANDS) {
      const name = command.path.join(" ");
      expect(rows.some((row) => row === name || row.startsWith(`${name} `) || row.startsWith(`${name}|`)), name).toBe(true);
    }
  });
});
