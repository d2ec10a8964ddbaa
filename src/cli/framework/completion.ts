/**
 * Tab completion for bash and zsh, generated from the command table it is given: command words, each
 * command's flags, and the values of flags and arguments that have a fixed set of them. The
 * scripts find the command by skipping flags and the values of flags that take one.
 */
import { allFlags, commandName } from "./flags.js";
import { summaryOf, VERSION } from "./help.js";
import type { Command, CommandTable, Flags } from "./types.js";

interface Completions {
  /** Every spelling of a flag that takes a value (aliases too), so its value is not taken for a command word. */
  valued: string[];
  /** Flag → its fixed values, where every command that has the flag takes the same ones. */
  choices: [string, readonly string[]][];
  /** `command words:flag` → its fixed values, for a flag whose values differ by command (`--status`). */
  commandChoices: [string, readonly string[]][];
  /** Command words typed so far → what may come next (word, description). */
  next: { key: string; prefix: boolean; items: [string, string][] }[];
}

function flagItems(flags: Flags): [string, string][] {
  return Object.entries(flags).map(([name, spec]) => [`--${name}`, spec.help]);
}

function completions({ commands, groups }: CommandTable): Completions {
  const valued = new Set<string>();
  /** Flag → each command's values for it. */
  const perCommand = new Map<string, Map<string, readonly string[]>>();
  for (const command of commands) {
    for (const [name, spec] of Object.entries(allFlags(command))) {
      if (spec.type !== "string") continue;
      for (const n of [name, ...(spec.aliases ?? [])]) {
        valued.add(`--${n}`);
        if (spec.choices)
          perCommand.set(
            `--${n}`,
            (perCommand.get(`--${n}`) ?? new Map<string, readonly string[]>()).set(commandName(command), spec.choices),
          );
      }
    }
  }
  const choices: [string, readonly string[]][] = [];
  const commandChoices: [string, readonly string[]][] = [];
  for (const [flag, byCommand] of perCommand) {
    const sets = [...new Set([...byCommand.values()].map((v) => v.join(" ")))];
    if (sets.length === 1) choices.push([flag, [...byCommand.values()][0] ?? []]);
    else for (const [command, values] of byCommand) commandChoices.push([`${command}:${flag}`, values]);
  }
  const top = [...new Set(commands.map((c) => c.path[0] ?? ""))].map((word): [string, string] => {
    const single = commands.find((c) => c.path.length === 1 && c.path[0] === word);
    return [word, single ? summaryOf(single) : (groups[word] ?? "")];
  });
  const next: Completions["next"] = [
    { key: "", prefix: false, items: [...top, ["--help", "show the help"], ["--version", "print the version"]] },
  ];
  for (const group of new Set(commands.filter((c) => c.path.length > 1).map((c) => c.path[0] ?? ""))) {
    const items = commands
      .filter((c) => c.path[0] === group && c.path.length > 1)
      .map((c): [string, string] => [c.path.slice(1).join(" "), summaryOf(c)]);
    next.push({ key: group, prefix: false, items: [...items, ["--help", "show the help"]] });
  }
  for (const command of commands) next.push(...commandCompletions(command));
  return { valued: [...valued].sort(), choices, commandChoices, next };
}

/** What may follow a command's words: its flags, and first the values its first argument offers. */
function commandCompletions(command: Command): Completions["next"] {
  const flags = flagItems(allFlags(command)).filter(([f]) => f !== "--version");
  const first = command.args?.[0];
  const values = first?.choices?.map((v): [string, string] => [v, first.help]) ?? (first?.suggestions && Object.entries(first.suggestions));
  if (!values) return [{ key: commandName(command), prefix: true, items: flags }];
  return [
    { key: commandName(command), prefix: false, items: [...values, ...flags] },
    { key: `${commandName(command)} `, prefix: true, items: flags },
  ];
}

/** `"members add"|"members add "*` */
function pattern(key: string, prefix: boolean): string {
  if (key === "") return '""';
  return prefix && !key.endsWith(" ") ? `"${key}"|"${key} "*` : prefix ? `"${key}"*` : `"${key}"`;
}

/**
 * The loop both scripts find the command's words with: every word typed before the one being
 * completed, flags and the values of the flags that take one skipped.
 */
function wordLoop(valued: readonly string[], shell: { head: string; word: string; add: string }): string {
  return `  ${shell.head}
    word=${shell.word}
    if ((skip)); then skip=0; continue; fi
    case $word in
      --*=*) ;;
      ${valued.join("|")}) skip=1 ;;
      -*) ;;
      *) ${shell.add} ;;
    esac
  done`;
}

/** The bash script: `source <(ims-sharing completion bash)`. */
export function bashCompletion(table: CommandTable): string {
  const { valued, choices, commandChoices, next } = completions(table);
  return `# bash completion for ims-sharing ${VERSION}, made from its command table by "ims-sharing completion bash".
# Install: mkdir -p ~/.local/share/bash-completion/completions &&
#          ims-sharing completion bash > ~/.local/share/bash-completion/completions/ims-sharing
# or, for this shell only: source <(ims-sharing completion bash)
_ims_sharing() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cmd="" word i skip=0
${wordLoop(valued, { head: "for ((i = 1; i < COMP_CWORD; i++)); do", word: "${COMP_WORDS[i]}", add: 'cmd="${cmd:+$cmd }$word"' })}
  case "$cmd:$prev" in
${commandChoices.map(([key, values]) => `    "${key}") COMPREPLY=($(compgen -W "${values.join(" ")}" -- "$cur")); return ;;`).join("\n")}
  esac
  case $prev in
${choices.map(([flag, values]) => `    ${flag}) COMPREPLY=($(compgen -W "${values.join(" ")}" -- "$cur")); return ;;`).join("\n")}
    ${valued.join("|")}) COMPREPLY=(); return ;;
  esac
  local words=""
  case $cmd in
${next.map(({ key, prefix, items }) => `    ${pattern(key, prefix)}) words="${items.map(([w]) => w).join(" ")}" ;;`).join("\n")}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _ims_sharing ims-sharing`;
}

/** A zsh single-quoted `word:description` for _describe. */
function describeItem([word, description]: [string, string]): string {
  return `'${`${word.replace(/:/g, "\\:")}:${description}`.replace(/'/g, "'\\''")}'`;
}

/** The zsh script: in a directory of $fpath as `_ims-sharing`, or `source <(ims-sharing completion zsh)`. */
export function zshCompletion(table: CommandTable): string {
  const { valued, choices, commandChoices, next } = completions(table);
  return `#compdef ims-sharing
# zsh completion for ims-sharing ${VERSION}, made from its command table by "ims-sharing completion zsh".
# Install: ims-sharing completion zsh > "\${fpath[1]}/_ims-sharing" (then start a new shell)
# or, for this shell only: source <(ims-sharing completion zsh)
_ims_sharing() {
  local -a cmd items
  local i word skip=0
${wordLoop(valued, { head: "for ((i = 2; i < CURRENT; i++)); do", word: "${words[i]}", add: 'cmd+=("$word")' })}
  case "\${cmd[*]}:\${words[CURRENT-1]}" in
${commandChoices.map(([key, values]) => `    "${key}") compadd -- ${values.join(" ")}; return ;;`).join("\n")}
  esac
  case \${words[CURRENT-1]} in
${choices.map(([flag, values]) => `    ${flag}) compadd -- ${values.join(" ")}; return ;;`).join("\n")}
    ${valued.join("|")}) _message 'a value'; return ;;
  esac
  case "\${cmd[*]}" in
${next.map(({ key, prefix, items }) => `    ${pattern(key, prefix)}) items=(${items.map(describeItem).join(" ")}) ;;`).join("\n")}
  esac
  _describe -t commands 'ims-sharing' items
}
if [ "$funcstack[1]" = "_ims_sharing" ]; then
  _ims_sharing "$@"
else
  compdef _ims_sharing ims-sharing
fi`;
}
