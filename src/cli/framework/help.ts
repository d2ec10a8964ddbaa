/**
 * Help texts, made from the command table it is given and the spec's operation table: a
 * command's help starts with its operation's summary, method and path, then lists its own flags
 * before the shared ones. Each command and each group has its own.
 */
import { createRequire } from "node:module";
import { operationSpec, type OperationId } from "../../operations.js";
import { commandName, CONNECTION_FLAGS, CONNECTION_RULES, flagSections, invocation, OUTPUT_FLAGS } from "./flags.js";
import type { Command, CommandTable, FlagSpec, Flags } from "./types.js";

/**
 * The package's version, from its own package.json, reached by the package's name (its exports
 * map lists `./package.json`), from dist/, the sources and an installed copy alike.
 */
export const VERSION: string = (createRequire(import.meta.url)("ims-sharing/package.json") as { version: string }).version;

export const EXIT_CODES_HELP = `Exit codes: 0 done, 2 bad usage or input, 3 API or network error, 4 job failed (or succeeded with
failed images), 5 timed out, 130 interrupted (the job goes on: the command that follows it is printed).`;

/** The operations a command calls. */
export function operationIds(command: Command): readonly OperationId[] {
  const op = command.operation;
  return op === undefined ? [] : typeof op === "string" ? [op] : op;
}

/** The one-line summary: the command's own, else its operation's in the spec. */
export function summaryOf(command: Command): string {
  const [first] = operationIds(command);
  return command.summary ?? (first ? operationSpec(first).summary : "");
}

/** `--image ID` */
function flagLabel(name: string, spec: FlagSpec): string {
  const value = spec.choices ? spec.choices.join("|") : spec.value;
  return `--${name}${spec.type === "string" ? ` ${value ?? "VALUE"}` : ""}`;
}

/** What follows the command's words in its usage line. */
export function synopsis(command: Command): string {
  const parts: string[] = (command.args ?? []).map((a) => (a.optional ? `[${a.name}]` : a.name));
  const groups = new Map<string, string[]>();
  const optional: string[] = [];
  for (const [name, spec] of Object.entries(command.flags)) {
    const label = `${flagLabel(name, spec)}${spec.multiple ? "…" : ""}`;
    if (spec.required) parts.push(label);
    else if (spec.oneOf) groups.set(spec.oneOf, [...(groups.get(spec.oneOf) ?? []), label]);
    else optional.push(`[${label}]`);
  }
  for (const labels of groups.values()) parts.push(`(${labels.join(" | ")})`);
  parts.push(...optional);
  if (command.waits === "optional") parts.push("[--wait [--timeout 5m]]");
  if (command.waits === "always") parts.push("[--timeout 5m]");
  if (command.connects !== false) parts.push("[--json]");
  return parts.join(" ");
}

function flagLines(flags: Flags): string[] {
  const rows = Object.entries(flags).map(([name, spec]) => {
    const label = `${spec.short ? `-${spec.short}, ` : ""}${flagLabel(name, spec)}`;
    const extra = [spec.aliases?.length ? `also ${spec.aliases.map((a) => `--${a}`).join(", ")}` : "", spec.env ?? ""].filter(Boolean);
    return [label, `${spec.help}${extra.length ? ` (${extra.join("; ")})` : ""}`] as const;
  });
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, help]) => `  ${label.padEnd(width)}  ${help}`);
}

/** `ims-sharing members add --help` */
export function commandHelp(command: Command): string {
  const lines = [`Usage: ${invocation(command)} ${synopsis(command)}`.trimEnd(), "", `${summaryOf(command)}.`];
  if (command.description) lines.push(command.description);
  for (const id of operationIds(command)) {
    const op = operationSpec(id);
    const by = op.caller === "owner" ? ", by the image's owner" : op.caller === "recipient" ? ", by the recipient of the share" : "";
    lines.push(`Calls ${id}: ${op.method} ${op.path} ("${op.summary}")${by}.`);
  }
  if (command.args?.length) {
    const width = Math.max(...command.args.map((a) => a.name.length));
    lines.push("", "Arguments:", ...command.args.map((a) => `  ${a.name.padEnd(width)}  ${a.help}`));
  }
  for (const section of command.sections ?? []) lines.push("", `${section.title}:`, ...section.lines.map((l) => `  ${l}`));
  for (const section of flagSections(command)) {
    lines.push(
      "",
      ...(section.title ? [`${section.title}:`] : []),
      ...flagLines(section.flags),
      ...(section.notes ?? []).map((n) => `  ${n}`),
    );
  }
  lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  const exitCodes = command.exitCodes ?? (command.connects !== false ? EXIT_CODES_HELP : undefined);
  if (exitCodes) lines.push("", exitCodes);
  return lines.join("\n");
}

function commandList(commands: readonly Command[], words: (c: Command) => string): string[] {
  const width = Math.max(...commands.map((c) => words(c).length));
  return commands.map((c) => `  ${words(c).padEnd(width)}  ${summaryOf(c)}`);
}

/** `ims-sharing members --help` */
export function groupHelp(group: string, table: CommandTable): string {
  const members = table.commands.filter((c) => c.path[0] === group && c.path.length > 1);
  return [
    `ims-sharing ${group}: ${table.groups[group] ?? ""}`.replace(/: $/, ""),
    "",
    `Usage: ims-sharing ${group} <command> [options]`,
    "",
    "Commands:",
    ...commandList(members, (c) => c.path.slice(1).join(" ")),
    "",
    `Options and examples of each: ims-sharing ${group} <command> --help`,
  ].join("\n");
}

/** `ims-sharing --help` */
export function mainHelp(table: CommandTable): string {
  return [
    `ims-sharing ${VERSION}: share Huawei Cloud IMS images with other projects, accounts and organizations,`,
    "answer the shares made to you, and follow the jobs IMS runs them as.",
    "",
    "Usage: ims-sharing <command> [options]",
    "",
    "Commands:",
    ...commandList(table.commands, commandName),
    "",
    "Help on a group or a command: ims-sharing members --help, ims-sharing members add --help.",
    "",
    "Connection and credentials, for every command that calls IMS:",
    ...flagLines(CONNECTION_FLAGS),
    ...CONNECTION_RULES.map((n) => `  ${n}`),
    "  --project-id is YOUR project; the projects an image is shared with are --member-project (or --project).",
    "",
    "Output:",
    ...flagLines(OUTPUT_FLAGS),
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}
