/**
 * Reading a sharing file (`plan -f` / `apply -f`): YAML or JSON, parsed with the `yaml` package
 * (JSON is YAML), checked by `validateDesiredSharing`, every problem reported with the file's
 * line and column and the field's path. Node only (the command line's); the library itself
 * never imports it.
 */
import { readFile } from "node:fs/promises";
import { isMap, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { credentialNamesOf, credentialsFromEnv, DEFAULT_CREDENTIAL_NAMES, describeCredentialNames } from "../environment.js";
import { createImsClient, type ImsClient, type ImsClientOptions } from "../client.js";
import { ImsValidationError } from "../errors.js";
import type { ValidationIssue } from "../validate.js";
import { validateDesiredSharing, type DesiredSharing } from "./desired.js";

/** A problem in a sharing file: where (file:line:column and the field's path) and what. */
export interface SharingFileIssue extends ValidationIssue {
  line?: number;
  column?: number;
}

/** `regions.cn-north-4.images.<id>.projects[2]` → ["regions", "cn-north-4", "images", "<id>", "projects", 2]. */
function segments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split(".")) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

/** The offset of the deepest node the path reaches (the key itself for a map entry). */
function offsetOf(doc: Document, path: string): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
  for (const key of segments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      const item = node.items[key] as { range?: [number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

/**
 * Parses and checks a sharing file's text. Throws `ImsValidationError` (what: the file's name)
 * whose issues carry `line` and `column`; the message reads `sharing.yaml:12:9 regions.… is …`.
 */
export function parseSharingFile(text: string, name = "sharing file"): DesiredSharing {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const located = (issue: ValidationIssue, offset: number | undefined): SharingFileIssue => {
    if (offset === undefined) return issue;
    const { line, col } = lines.linePos(offset);
    return { path: `${name}:${line}:${col} ${issue.path}`, message: issue.message, line, column: col };
  };
  if (doc.errors.length) {
    throw new ImsValidationError(
      doc.errors.map((e) => located({ path: "(syntax)", message: e.message.split("\n")[0]! }, e.pos[0])),
      name,
    );
  }
  const value: unknown = doc.toJS();
  const issues = validateDesiredSharing(value);
  if (issues.length) {
    // In the order a person reads the file.
    const byPlace = issues
      .map((i) => located(i, offsetOf(doc, i.path)))
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw new ImsValidationError(byPlace, name);
  }
  return value as DesiredSharing;
}

/** Reads and checks a sharing file from disk (see {@link parseSharingFile}). */
export async function loadSharingFile(file: string): Promise<DesiredSharing> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ImsValidationError(
      [{ path: file, message: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }],
      "sharing file",
    );
  }
  return parseSharingFile(text, file);
}

/**
 * One client per region of a sharing file: its `endpoint` (else the region's), its `projectId`
 * (else `HUAWEICLOUD_SDK_PROJECT_ID`), and the credentials its `credentials` names (else the
 * usual variables: HUAWEICLOUD_SDK_AK/SK/SECURITY_TOKEN, or IMS_TOKEN), read by the command
 * line's one rule (`credentialsFromEnv`: AK/SK and a token both set is refused, as is half a
 * pair). A region whose credentials cannot be found, or whose client cannot be made, is an error
 * naming the region and the variables, never their values.
 */
export function clientsForSharingFile(
  desired: DesiredSharing,
  env: Record<string, string | undefined>,
  options: Omit<ImsClientOptions, "auth" | "region" | "endpoint" | "projectId"> = {},
): Record<string, ImsClient> {
  const clients: Record<string, ImsClient> = {};
  const issues: ValidationIssue[] = [];
  for (const [region, entry] of Object.entries(desired.regions)) {
    const refs = entry.credentials;
    const names = refs ? credentialNamesOf(refs) : DEFAULT_CREDENTIAL_NAMES;
    const choose = refs ? "name one kind in the region's credentials" : undefined;
    const credentials = credentialsFromEnv(env, names, { choose });
    if (credentials === undefined || "problem" in credentials) {
      const message =
        credentials === undefined ? `no credentials for ${region}: set ${describeCredentialNames(names)}` : credentials.problem;
      issues.push({ path: `regions.${region}.credentials`, message });
      continue;
    }
    const projectId = entry.projectId ?? env.HUAWEICLOUD_SDK_PROJECT_ID;
    if (!projectId) {
      issues.push({
        path: `regions.${region}.projectId`,
        message:
          `is required: the owner's project in ${region}, where the images' members are listed ` +
          "(or set HUAWEICLOUD_SDK_PROJECT_ID); project IDs are per region",
      });
      continue;
    }
    try {
      clients[region] = createImsClient({
        ...options,
        auth: credentials.auth,
        projectId,
        ...(entry.endpoint ? { endpoint: entry.endpoint } : { region }),
      });
    } catch (error) {
      if (!(error instanceof ImsValidationError)) throw error;
      issues.push(...error.issues.map((i) => ({ path: `regions.${region}.${i.path}`, message: i.message })));
    }
  }
  if (issues.length) throw new ImsValidationError(issues, "sharing file");
  return clients;
}
