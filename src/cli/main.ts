/**
 * The `ims-sharing` command line for code that embeds or tests it: `runCli` is the framework's
 * (framework/run.ts) with the package's own table (commands/) unless given another; the table,
 * the exit codes and the JSON events are exported beside it.
 */
import { CLI } from "./commands/index.js";
import { runCli as run } from "./framework/run.js";
import type { CliIo, CommandTable } from "./framework/types.js";

export { CLI, COMMANDS, GROUPS } from "./commands/index.js";
export { EXIT } from "./output/exit-codes.js";
export { JSON_EVENTS } from "./output/events.js";
export type { JsonEventFields, JsonEventName } from "./output/events.js";
export type { CliIo, Command, CommandContext, CommandTable, FlagSpec } from "./framework/types.js";

/**
 * Runs one command line and resolves with its exit code; never throws and never exits the
 * process. `table` is the command table to run (the package's own unless testing another).
 */
export function runCli(argv: readonly string[], io: CliIo, table: CommandTable = CLI): Promise<number> {
  return run(argv, io, table);
}
