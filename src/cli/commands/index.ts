/**
 * The command table of `ims-sharing`: every command, each an entry in its own module that
 * declares the spec operation it calls, its flags, its arguments, whether it waits for a job,
 * its examples and what it does; and what each group is for. Data: the framework (parse, help,
 * completion, runCli) is given it, and the README's tests read it. To add a command, add its
 * entry here (and its group's description if its first word is new).
 */
import type { Command, CommandTable } from "../framework/types.js";
import { API_COMMAND } from "./api.js";
import { COMPLETION_COMMAND } from "./completion.js";
import { CONTRACT_COMMAND } from "./contract.js";
import { FAKE_COMMAND } from "./fake.js";
import { IMAGES_COMMANDS } from "./images.js";
import { IMPORT_COMMAND } from "./import.js";
import { JOB_COMMANDS } from "./job.js";
import { MEMBERS_COMMANDS } from "./members.js";
import { PROJECT_COMMANDS } from "./project.js";
import { SHARING_COMMANDS } from "./sharing.js";

export const COMMANDS: readonly Command[] = [
  ...MEMBERS_COMMANDS,
  ...IMAGES_COMMANDS,
  ...PROJECT_COMMANDS,
  ...JOB_COMMANDS,
  API_COMMAND,
  COMPLETION_COMMAND,
  ...SHARING_COMMANDS,
  IMPORT_COMMAND,
  FAKE_COMMAND,
  CONTRACT_COMMAND,
];

/** What the command groups are for, in help. */
export const GROUPS: Readonly<Record<string, string>> = {
  members: "who your images are shared with (as their owner), and your answers to shares (as a recipient)",
  images: "images other projects share with you, and your own: list, copy (pin), delete",
  job: "the asynchronous jobs that changes run as",
};

/** The table `ims-sharing` runs. */
export const CLI: CommandTable = { commands: COMMANDS, groups: GROUPS };
