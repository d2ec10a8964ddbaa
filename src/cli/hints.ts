/**
 * The commands the CLI prints for someone to run next: "follow it with" after a change is
 * accepted, "check with" after an error, "resume with" after Ctrl-C, apply's report lines and
 * the JSON `resume` fields. One builder, so that every hint is a complete command that works as
 * printed in the same environment: where IMS is (--endpoint or --region, as the run had it), your
 * project, and which variables hold the credentials, by name (`IMS_TOKEN="$CN_NORTH_TOKEN"`),
 * never by value. Credentials given as flags cannot be printed: the hint says to add them.
 */
import { isLoopback } from "../endpoint.js";
import { DEFAULT_CREDENTIAL_NAMES, type CredentialPiece, type CredentialSource, type Place } from "../environment.js";

/** What a hint's command must reach, as the run reached it. */
export interface HintTarget {
  place: Place;
  /** Your own project, when known (job wait then reads per-image results). */
  projectId?: string | undefined;
  /** With --endpoint and no project ID: the region whose project IAM is asked for (`--region` beside `--endpoint`). */
  projectRegion?: string | undefined;
  /** IAM's endpoint when the project is found through it: `flag` when --iam-endpoint gave it (the hint repeats it). */
  iamEndpoint?: { url: string; flag: boolean } | undefined;
  /** The run was given --allow-insecure-http. */
  allowInsecureHttp?: boolean | undefined;
  credentials: CredentialSource;
  /** The environment the hint will be run in: variables that would make it ambiguous are emptied for it. */
  env: Readonly<Record<string, string | undefined>>;
  /** How the user runs the program (`ims-sharing`, `npx ims-sharing`). */
  program: string;
}

/** A command to run, and what to add to it that cannot be printed. */
export interface Hint {
  command: string;
  /** Set when the credentials came from flags: which ones to add. */
  note?: string;
}

/** A word as a POSIX shell reads it back unchanged. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const PIECES: readonly CredentialPiece[] = ["accessKey", "secretKey", "securityToken", "token"];

/**
 * `NAME="$OTHER"` for each credential read from a variable other than the usual one, and
 * `NAME=` for each usual variable set in the environment that this run did not read (it would
 * make the hinted command ambiguous, or pair a key with the wrong security token).
 */
function assignments(target: HintTarget): string[] {
  if (target.credentials.from !== "env") return [];
  const names = target.credentials.names;
  const out: string[] = [];
  for (const piece of PIECES) {
    const usual = DEFAULT_CREDENTIAL_NAMES[piece];
    const used = names[piece];
    if (used !== undefined && used !== usual) out.push(`${usual}="$${used}"`);
    else if (used === undefined && target.env[usual]) out.push(`${usual}=`);
  }
  return out;
}

/** Whether a URL is plain http:// off this machine (what --allow-insecure-http allows). */
function offMachineHttp(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    const url = new URL(text);
    return url.protocol === "http:" && !isLoopback(url.hostname);
  } catch {
    return false;
  }
}

/** Where: `--endpoint URL` (and `--region R` when IAM finds its project) or `--region R`, then `--project-id P` when known. */
function placeArgs(target: HintTarget): string[] {
  const { place, iamEndpoint } = target;
  const insecure = target.allowInsecureHttp === true && (offMachineHttp(place.endpoint) || offMachineHttp(iamEndpoint?.url));
  return [
    ...(place.endpoint !== undefined ? ["--endpoint", place.endpoint] : ["--region", place.region]),
    ...(place.endpoint !== undefined && target.projectRegion !== undefined ? ["--region", target.projectRegion] : []),
    ...(insecure ? ["--allow-insecure-http"] : []),
    ...(target.projectId ? ["--project-id", target.projectId] : []),
    ...(!target.projectId && iamEndpoint?.flag ? ["--iam-endpoint", iamEndpoint.url] : []),
  ];
}

/** `ims-sharing job wait ID --region R --project-id P` (or `job show`), with the credentials' variables before it. */
export function jobHint(jobId: string, target: HintTarget, verb: "wait" | "show" = "wait"): Hint {
  return commandHint(["job", verb, jobId], target);
}

/** `ims-sharing ARGS… --region R --project-id P`, with the credentials' variables before it. */
export function commandHint(args: readonly string[], target: HintTarget): Hint {
  const words = [...assignments(target), target.program, ...[...args, ...placeArgs(target)].map(shellWord)];
  const { credentials } = target;
  const flags = credentials.from === "flags" ? credentials.flags : [];
  const list = flags.length > 1 ? `${flags.slice(0, -1).join(", ")} and ${flags.at(-1)}` : flags[0];
  return { command: words.join(" "), ...(list ? { note: `add the ${list} you gave: secrets are not printed` } : {}) };
}

/** A hint as one line of text: the command, and what to add as a shell comment (the line still runs as pasted). */
export function hintText(hint: Hint): string {
  return hint.note ? `${hint.command}  # ${hint.note}` : hint.command;
}
