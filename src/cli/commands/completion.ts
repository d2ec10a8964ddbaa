/**
 * `ims-sharing completion bash|zsh`: prints the tab-completion script the framework makes from
 * the table it runs (the context's, so a table with more commands completes them too).
 */
import { bashCompletion, zshCompletion } from "../framework/completion.js";
import { defineCommand } from "../framework/types.js";
import { EXIT } from "../output/exit-codes.js";

export const COMPLETION_COMMAND = defineCommand({
  path: ["completion"],
  summary: "Print a tab-completion script for bash or zsh",
  description: [
    "Prints a completion script made from the command table. Install it once:",
    "  bash: mkdir -p ~/.local/share/bash-completion/completions &&",
    "        ims-sharing completion bash > ~/.local/share/bash-completion/completions/ims-sharing",
    '  zsh:  ims-sharing completion zsh > "${fpath[1]}/_ims-sharing"   (then start a new shell)',
    "or load it in the current shell: source <(ims-sharing completion bash).",
  ].join("\n"),
  args: [{ name: "SHELL", help: "bash or zsh", choices: ["bash", "zsh"] }],
  flags: {},
  waits: "never",
  connects: false,
  exitCodes: "Exit codes: 0 printed, 2 bad usage (a shell other than bash or zsh).",
  examples: [
    "ims-sharing completion bash > ~/.local/share/bash-completion/completions/ims-sharing   # after mkdir -p of that folder",
    "source <(ims-sharing completion zsh)",
  ],
  run(ctx) {
    ctx.out.line(ctx.args[0] === "zsh" ? zshCompletion(ctx.table) : bashCompletion(ctx.table));
    return Promise.resolve(EXIT.ok);
  },
});
