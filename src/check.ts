/**
 * How to see whether a change took effect, when its outcome is unknown (the connection dropped
 * after it was sent, no answer came in time, a 5xx other than 503): the commands to run, per
 * asynchronous operation. One place for it: the client's error messages say it, and the command
 * line completes it into a hint (where IMS is, your project, which variables hold the
 * credentials). An operation without an entry gets "read the state back".
 */
import type { BodyOf, JobOperationId } from "./operations.js";

type CheckRule<K extends JobOperationId> = (body: BodyOf<K>) => { what: string; commands: string[][] };

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

/** Each asynchronous operation's check: what to look at, and the `ims-sharing` commands that show it. */
const CHECKS: { [K in JobOperationId]?: CheckRule<K> } = {
  addImageMembers: (body) => membersOf(strings(body.images)),
  deleteImageMembers: (body) => membersOf(strings(body.images)),
  // A copy is found by its name: a private image of that name that was not there before.
  copyImageInRegion: (body) => ({
    what: `look for a new private image named ${JSON.stringify(body.name)}`,
    commands: [["api", "listImages", "--query", "__imagetype=private", "--query", `name=${body.name}`]],
  }),
  updateImageMembers: (body) => ({
    what: "see how the images stand for your project",
    commands: [["images", "shared", "--status", body.status]],
  }),
};

function membersOf(images: string[]): { what: string; commands: string[][] } {
  return {
    what: `list the members of ${images.length === 1 ? "image" : "images"} ${images.join(", ")}`,
    commands: images.map((image) => ["members", "list", "--image", image]),
  };
}

/** The `ims-sharing` commands (their words after `ims-sharing`) that show whether a change took effect. */
export function checkCommands(operation: JobOperationId, body: unknown): string[][] {
  return check(operation, body)?.commands ?? [];
}

/** The same, as words for an error message: `list the members of image X (ims-sharing members list --image X)`. */
export function checkHint(operation: JobOperationId, body: unknown): string {
  const found = check(operation, body);
  if (!found) return "read the state back";
  return `${found.what} (${found.commands.map((words) => `ims-sharing ${words.map(shellWord).join(" ")}`).join("; ")})`;
}

/** A word as a POSIX shell reads it back: as it is when it can be, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function check(operation: JobOperationId, body: unknown): { what: string; commands: string[][] } | undefined {
  const rule = CHECKS[operation] as CheckRule<JobOperationId> | undefined;
  return rule && body && typeof body === "object" ? rule(body as BodyOf<JobOperationId>) : undefined;
}
