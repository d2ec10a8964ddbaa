/**
 * How the user runs this program from their own shell, for every command a hint prints:
 * `ims-sharing` when that name is on their PATH (a global install), else `npx ims-sharing` (a
 * project's install, which npx finds). Run through npm (npx, `npm exec`, an npm script), the PATH
 * this process has is npm's, not the user's shell's: then `npx ims-sharing` too.
 */
import { accessSync, constants } from "node:fs";
import path from "node:path";

export const PROGRAM = "ims-sharing";

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `ims-sharing` or `npx ims-sharing`, for this environment (see the module's comment). */
export function programName(
  env: Readonly<Record<string, string | undefined>>,
  isExecutable: (file: string) => boolean = executable,
): string {
  if (env.npm_command || env.npm_lifecycle_event || env.npm_execpath) return `npx ${PROGRAM}`;
  const onPath = (env.PATH ?? "").split(path.delimiter).some((dir) => dir !== "" && isExecutable(path.join(dir, PROGRAM)));
  return onPath ? PROGRAM : `npx ${PROGRAM}`;
}
