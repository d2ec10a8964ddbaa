/**
 * From argv to a command of the table and its values, with node:util's parseArgs. Two passes: a
 * lenient one over every flag any command has, to find the command and the options given; then,
 * once each option is known to be the command's own (an option of another command is refused by
 * name, an unknown one gets the closest name), a strict one with the command's exact flags.
 */
import { parseArgs } from "node:util";
import { allFlags, commandName, type Command, type Flags } from "./commands.js";
import { commandHelp, groupHelp, mainHelp } from "./help.js";
import { closest } from "../suggest.js";

export { closest, editDistance } from "../suggest.js";

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export type Parsed =
  | { kind: "version" }
  | { kind: "help"; text: string; exitCode: number }
  | { kind: "error"; message: string; helpFor: string; json: boolean }
  | { kind: "run"; command: Command; values: ParsedValues; args: string[] };

type ParseArgsOptions = Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;

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

export function parseCommandLine(argv: readonly string[], commands: readonly Command[]): Parsed {
  // A command that parses its own arguments gets them untouched.
  for (const command of commands) {
    if (command.rawArgs && command.path.every((word, i) => argv[i] === word))
      return { kind: "run", command, values: {}, args: argv.slice(command.path.length) };
  }
  // Pass 1: every flag of every command, leniently, to find the command and what was given.
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
  const given: { name: string; raw: string }[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    else if (token.kind === "option") given.push({ name: token.name, raw: token.rawName });
  }
  const has = (name: string) => given.some((g) => g.name === name);
  const json = has("json");
  if (has("version")) return { kind: "version" };

  // The command: the longest path that the positionals start with.
  let command: Command | undefined;
  for (const c of commands) {
    if (c.path.every((word, i) => positionals[i] === word) && (!command || c.path.length > command.path.length)) command = c;
  }
  if (!command) {
    const first = positionals[0];
    const groupCommands = commands.filter((c) => c.path.length > 1 && c.path[0] === first);
    if (first === undefined) return { kind: "help", text: mainHelp(commands), exitCode: has("help") ? 0 : 2 };
    if (groupCommands.length && (positionals.length === 1 || has("help"))) {
      return { kind: "help", text: groupHelp(first, commands), exitCode: has("help") ? 0 : 2 };
    }
    if (has("help") && !groupCommands.length) return { kind: "help", text: mainHelp(commands), exitCode: 0 };
    const tried = groupCommands.length ? positionals.slice(0, 2) : positionals.slice(0, 1);
    const known = groupCommands.length ? groupCommands.map((c) => c.path[1] ?? "") : [...new Set(commands.map((c) => c.path[0] ?? ""))];
    const guess = closest(tried.at(-1) ?? "", known);
    const list = groupCommands.length
      ? `${first} commands: ${known.join(", ")}`
      : `commands: ${[...new Set(commands.map((c) => c.path[0]))].join(", ")}`;
    return {
      kind: "error",
      message: `unknown command "${tried.join(" ")}"${guess ? `; did you mean "${[...tried.slice(0, -1), guess].join(" ")}"?` : ""} (${list})`,
      helpFor: groupCommands.length ? first : "",
      json,
    };
  }
  const name = commandName(command);
  if (has("help")) return { kind: "help", text: commandHelp(command), exitCode: 0 };
  const flags = allFlags(command);
  const own = names(flags);
  const error = (message: string): Parsed => ({ kind: "error", message, helpFor: name, json: json && own.has("json") });

  // Each option given must be this command's own.
  for (const { name: option, raw } of given) {
    if (own.has(option)) continue;
    const owners = commands.filter((c) => names(allFlags(c)).has(option)).map(commandName);
    if (owners.length) {
      const quoted = owners.slice(0, 3).map((o) => `"${o}"`);
      const named =
        owners.length > 3
          ? `${quoted.join(", ")} and ${owners.length - 3} more`
          : quoted.length > 1
            ? `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`
            : quoted[0];
      return error(`${raw} is an option of ${named}, not of "${name}"`);
    }
    const guess = raw.startsWith("--") ? closest(option, own.keys()) : undefined;
    const canonical = guess === undefined ? undefined : own.get(guess);
    const meant =
      guess === undefined ? "" : `; did you mean --${guess}${canonical && canonical !== guess ? ` (that is --${canonical})` : ""}?`;
    return error(`unknown option ${raw} for "${name}"${meant}`);
  }

  // Pass 2: the command's own flags, strictly (values missing, booleans given values, …).
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parseArgsOptions(flags, false), strict: true, allowPositionals: true });
  } catch (e) {
    return error(parseArgsMessage(e));
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
      return error(`--${flag} is given more than once: "${name}" takes one`);
    }
    values[flag] = raw[present[0]!];
  }

  // Values: choices, required flags, groups of which one is required.
  for (const [flag, spec] of Object.entries(flags)) {
    const value = values[flag];
    if (spec.choices && value !== undefined) {
      for (const v of Array.isArray(value) ? value : [String(value)]) {
        if (!spec.choices.includes(v)) return error(`--${flag}: "${v}" is not one of ${spec.choices.join(", ")}`);
      }
    }
    if (spec.required && (value === undefined || (Array.isArray(value) && !value.length))) {
      return error(`"${name}" needs ${spec.multiple ? "at least one " : ""}--${flag}`);
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
    return error(`"${name}" needs at least one of ${members.map((m) => `--${m}`).join(", ")}${ownProject}`);
  }

  // Positional arguments after the command's words.
  const args = parsed.positionals.slice(command.path.length);
  const wanted = command.args ?? [];
  if (args.length > wanted.length) return error(`unexpected argument "${args[wanted.length]}"`);
  if (args.length < wanted.length) {
    return error(`${name} takes ${wanted.length === 1 ? "one" : wanted.length} ${wanted.map((a) => a.name).join(" ")}`);
  }
  for (const [i, spec] of wanted.entries()) {
    if (spec.choices && !spec.choices.includes(args[i] ?? ""))
      return error(`${spec.name}: "${args[i]}" is not one of ${spec.choices.join(", ")}`);
  }
  return { kind: "run", command, values, args };
}
