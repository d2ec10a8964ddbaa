/**
 * From argv to a command of the table it is given and its values, with node:util's parseArgs. Two
 * passes: a lenient one over every flag any command has, to find the command and the options
 * given; then, once each option is known to be the command's own (an option of another command
 * is refused by name, an unknown one gets the closest name), a strict one with the command's
 * exact flags. Then the values: choices, required flags and groups, positional arguments.
 */
import { parseArgs } from "node:util";
import { closest } from "../../suggest.js";
import { allFlags, commandName } from "./flags.js";
import { commandHelp, groupHelp, mainHelp } from "./help.js";
import type { Command, CommandTable, Flags, ParsedValues } from "./types.js";

export type Parsed =
  | { kind: "version" }
  | { kind: "help"; text: string; exitCode: number }
  | { kind: "error"; message: string; helpFor: string; json: boolean }
  | { kind: "run"; command: Command; values: ParsedValues; args: string[] };

type ParseArgsOptions = Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;

/** An option as given: its name as parseArgs resolved it, and as typed (`--projct`, `-x`). */
interface Given {
  name: string;
  raw: string;
}

/** Every name (canonical and aliases) of a set of flags → the canonical name. */
function names(flags: Flags): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, spec] of Object.entries(flags)) {
    map.set(name, name);
    for (const alias of spec.aliases ?? []) map.set(alias, name);
  }
  return map;
}

/** parseArgs options for these flags, aliases as options of their own. */
function parseArgsOptions(flags: Flags, lenient: boolean): ParseArgsOptions {
  const options: ParseArgsOptions = {};
  for (const [name, spec] of Object.entries(flags)) {
    const multiple = lenient || spec.multiple === true;
    for (const n of [name, ...(spec.aliases ?? [])]) {
      options[n] = { type: spec.type, ...(multiple ? { multiple: true } : {}), ...(spec.short && n === name ? { short: spec.short } : {}) };
    }
  }
  return options;
}

/** parseArgs' own messages, made one line and stripped of its advice about positionals. */
function parseArgsMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*To specify a positional argument starting with a '-'[\s\S]*$/, "").replace(/\s*\n\s*/g, " ");
}

/** Pass 1: every flag of every command, leniently: the positionals and the options given. */
function scan(argv: readonly string[], commands: readonly Command[]): { positionals: string[]; given: Given[] } {
  const union: Record<string, Flags[string]> = {};
  for (const command of commands) Object.assign(union, allFlags(command));
  const { tokens } = parseArgs({
    args: [...argv],
    options: parseArgsOptions(union, true),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionals: string[] = [];
  const given: Given[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    else if (token.kind === "option") given.push({ name: token.name, raw: token.rawName });
  }
  return { positionals, given };
}

/** The command: the longest path that the positionals start with. */
export function findCommand(commands: readonly Command[], positionals: readonly string[]): Command | undefined {
  let command: Command | undefined;
  for (const c of commands) {
    if (c.path.every((word, i) => positionals[i] === word) && (!command || c.path.length > command.path.length)) command = c;
  }
  return command;
}

/** No command matched: the help asked for (of everything, or of a group), or an unknown command with the closest name. */
function noCommand(positionals: readonly string[], table: CommandTable, help: boolean, json: boolean): Parsed {
  const { commands } = table;
  const first = positionals[0];
  const groupCommands = commands.filter((c) => c.path.length > 1 && c.path[0] === first);
  if (first === undefined) return { kind: "help", text: mainHelp(table), exitCode: help ? 0 : 2 };
  if (groupCommands.length && (positionals.length === 1 || help))
    return { kind: "help", text: groupHelp(first, table), exitCode: help ? 0 : 2 };
  if (help && !groupCommands.length) return { kind: "help", text: mainHelp(table), exitCode: 0 };
  const tried = groupCommands.length ? positionals.slice(0, 2) : positionals.slice(0, 1);
  const tops = [...new Set(commands.map((c) => c.path[0] ?? ""))];
  const known = groupCommands.length ? groupCommands.map((c) => c.path[1] ?? "") : tops;
  const guess = closest(tried.at(-1) ?? "", known);
  const list = groupCommands.length ? `${first} commands: ${known.join(", ")}` : `commands: ${tops.join(", ")}`;
  const meant = guess ? `; did you mean "${[...tried.slice(0, -1), guess].join(" ")}"?` : "";
  return {
    kind: "error",
    message: `unknown command "${tried.join(" ")}"${meant} (${list})`,
    helpFor: groupCommands.length ? first : "",
    json,
  };
}

/** `"a"`, `"a" and "b"`, `"a", "b", "c" and 4 more` */
function quotedList(items: readonly string[]): string {
  const quoted = items.slice(0, 3).map((o) => `"${o}"`);
  if (items.length > 3) return `${quoted.join(", ")} and ${items.length - 3} more`;
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}` : (quoted[0] ?? "");
}

/** The first option given that is not the command's own: refused by the commands it belongs to, or with the closest name. */
function foreignOption(given: readonly Given[], command: Command, commands: readonly Command[]): string | undefined {
  const name = commandName(command);
  const own = names(allFlags(command));
  for (const { name: option, raw } of given) {
    if (own.has(option)) continue;
    const owners = commands.filter((c) => names(allFlags(c)).has(option)).map(commandName);
    if (owners.length) return `${raw} is an option of ${quotedList(owners)}, not of "${name}"`;
    const guess = raw.startsWith("--") ? closest(option, own.keys()) : undefined;
    const canonical = guess === undefined ? undefined : own.get(guess);
    const alias = canonical && canonical !== guess ? ` (that is --${canonical})` : "";
    return `unknown option ${raw} for "${name}"${guess === undefined ? "" : `; did you mean --${guess}${alias}?`}`;
  }
  return undefined;
}

/** Pass 2: the command's own flags, strictly (values missing, booleans given values, …), aliases merged into their canonical names. */
function strictValues(
  argv: readonly string[],
  command: Command,
  given: readonly Given[],
): { values: ParsedValues; positionals: string[] } | string {
  const flags = allFlags(command);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parseArgsOptions(flags, false), strict: true, allowPositionals: true });
  } catch (e) {
    return parseArgsMessage(e);
  }
  const raw = parsed.values as ParsedValues;
  const values: ParsedValues = {};
  for (const [flag, spec] of Object.entries(flags)) {
    const all = [flag, ...(spec.aliases ?? [])];
    const present = all.filter((n) => raw[n] !== undefined);
    if (!present.length) continue;
    if (spec.multiple) {
      values[flag] = present.flatMap((n) => raw[n] as string[]);
      continue;
    }
    if (spec.type === "string" && given.filter((g) => all.includes(g.name)).length > 1) {
      return `--${flag} is given more than once: "${commandName(command)}" takes one`;
    }
    values[flag] = raw[present[0]!];
  }
  return { values, positionals: parsed.positionals };
}

/** What is wrong with the values: a value not among the choices, a required flag missing, a group of which none is given. */
function valueProblem(command: Command, values: ParsedValues): string | undefined {
  const name = commandName(command);
  const flags = allFlags(command);
  for (const [flag, spec] of Object.entries(flags)) {
    const value = values[flag];
    if (spec.choices && value !== undefined) {
      for (const v of Array.isArray(value) ? value : [String(value)]) {
        if (!spec.choices.includes(v)) return `--${flag}: "${v}" is not one of ${spec.choices.join(", ")}`;
      }
    }
    if (spec.required && (value === undefined || (Array.isArray(value) && !value.length))) {
      return `"${name}" needs ${spec.multiple ? "at least one " : ""}--${flag}`;
    }
  }
  const groups = new Map<string, string[]>();
  for (const [flag, spec] of Object.entries(flags)) if (spec.oneOf) groups.set(spec.oneOf, [...(groups.get(spec.oneOf) ?? []), flag]);
  for (const members of groups.values()) {
    if (members.some((m) => values[m] !== undefined)) continue;
    const ownProject =
      members.includes("member-project") && values["project-id"] !== undefined
        ? "; --project-id is your own project, not a member: name the project to act on with --member-project"
        : "";
    return `"${name}" needs at least one of ${members.map((m) => `--${m}`).join(", ")}${ownProject}`;
  }
  return undefined;
}

/** What is wrong with the positional arguments after the command's words: too many, too few, not among the choices. */
function argsProblem(command: Command, args: readonly string[]): string | undefined {
  const wanted = command.args ?? [];
  if (args.length > wanted.length) return `unexpected argument "${args[wanted.length]}"`;
  const required = wanted.filter((a) => !a.optional);
  if (args.length < required.length) {
    return `${commandName(command)} takes ${required.length === 1 ? "one" : required.length} ${required.map((a) => a.name).join(" ")}`;
  }
  for (const [i, spec] of wanted.entries()) {
    if (i >= args.length) break;
    if (spec.choices && !spec.choices.includes(args[i] ?? "")) return `${spec.name}: "${args[i]}" is not one of ${spec.choices.join(", ")}`;
  }
  return undefined;
}

export function parseCommandLine(argv: readonly string[], table: CommandTable): Parsed {
  const { positionals, given } = scan(argv, table.commands);
  const has = (name: string) => given.some((g) => g.name === name);
  if (has("version")) return { kind: "version" };
  const command = findCommand(table.commands, positionals);
  if (!command) return noCommand(positionals, table, has("help"), has("json"));
  if (has("help")) {
    const text = command.helpFor?.(positionals.slice(command.path.length)) ?? commandHelp(command);
    return { kind: "help", text, exitCode: 0 };
  }
  const error = (message: string): Parsed => ({
    kind: "error",
    message,
    helpFor: commandName(command),
    json: has("json") && names(allFlags(command)).has("json"),
  });
  const foreign = foreignOption(given, command, table.commands);
  if (foreign !== undefined) return error(foreign);
  const strict = strictValues(argv, command, given);
  if (typeof strict === "string") return error(strict);
  const args = strict.positionals.slice(command.path.length);
  const problem = valueProblem(command, strict.values) ?? argsProblem(command, args);
  if (problem !== undefined) return error(problem);
  return { kind: "run", command, values: strict.values, args };
}
