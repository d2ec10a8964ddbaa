/**
 * `ims-sharing import`: a sharing file for what exists (the library's `importSharing`), on stdout
 * or in a file (`-o`, never overwritten without --force), for `plan -f` to read with no change.
 * Its own connection flags: `--region` may be repeated (one client per region, each region's
 * project found through IAM), which the shared, single `--region` cannot be.
 */
import { rename, stat, writeFile } from "node:fs/promises";
import { formatSharingFile, readSharing, type SharingImport } from "../../sharing/index.js";
import { connect, givenProject } from "../framework/connect.js";
import { CONNECTION_FLAGS, CONNECTION_RULES, INSECURE_HTTP_FLAG, OUTPUT_FLAGS } from "../framework/flags.js";
import { defineCommand, type CliIo, type CommandContext, type Flags, type ParsedValues } from "../framework/types.js";
import { EXIT } from "../output/exit-codes.js";
import { inCliTerms } from "../output/report.js";
import { CliFailure, UsageError } from "../output/usage-error.js";
import type { ImsClient } from "../../client.js";

const IMPORT_FLAGS = {
  image: { type: "string", multiple: true, value: "ID", help: "only this image (repeat for several; left out: every image with members)" },
  region: {
    type: "string",
    multiple: true,
    value: "R",
    help: "a region to import (repeat for several; left out: HUAWEICLOUD_SDK_REGION); each region's project is found through IAM",
  },
  out: { type: "string", short: "o", value: "FILE", help: "write the sharing file there (left out: stdout); an existing file is kept" },
  force: { type: "boolean", help: "with -o, overwrite FILE if it exists" },
  endpoint: CONNECTION_FLAGS.endpoint,
  "project-id": CONNECTION_FLAGS["project-id"],
  "iam-endpoint": CONNECTION_FLAGS["iam-endpoint"],
  "allow-insecure-http": INSECURE_HTTP_FLAG,
  "access-key": CONNECTION_FLAGS["access-key"],
  "secret-key": CONNECTION_FLAGS["secret-key"],
  "security-token": CONNECTION_FLAGS["security-token"],
  token: CONNECTION_FLAGS.token,
  json: { type: "boolean", help: "the document (and each member's status, the notes) as one JSON line instead of YAML" },
  verbose: OUTPUT_FLAGS.verbose,
} as const satisfies Flags;

type ImportContext = CommandContext<typeof IMPORT_FLAGS>;

/**
 * The regions to import and a client for each, by the command line's one connection rule
 * (framework/connect.ts), a region at a time. An endpoint (a proxy, the fake) is one region's:
 * that region is named with --region, and goes in the file with the endpoint.
 */
function regionClients(ctx: ImportContext): { clients: Record<string, ImsClient>; endpoint: string | undefined } {
  const { values, env, name } = ctx;
  const regions = [...new Set(values.region ?? (env.HUAWEICLOUD_SDK_REGION ? [env.HUAWEICLOUD_SDK_REGION] : []))];
  // A flag beats the environment: --region beats IMS_ENDPOINT.
  const endpoint = values.endpoint ?? (values.region ? undefined : env.IMS_ENDPOINT || undefined);
  if (!regions.length)
    throw new UsageError("name the region to import: --region R (repeat for several), or set HUAWEICLOUD_SDK_REGION", name);
  if (endpoint && regions.length > 1)
    throw new UsageError(`--endpoint is one region's IMS, and ${regions.length} regions are named: give one --region with it`, name);
  if (regions.length > 1 && givenProject(values, env))
    throw new UsageError(
      "--project-id (or HUAWEICLOUD_SDK_PROJECT_ID) is one region's project, and project IDs are per region: " +
        "with several --region leave it out (each region's project is found through IAM)",
      name,
    );
  const iam = Boolean(values["iam-endpoint"] || env.HUAWEICLOUD_SDK_IAM_ENDPOINT);
  const io: CliIo = { env: { ...env }, client: ctx.clientOptions, signal: ctx.signal, out: () => {}, err: () => {}, isTTY: false };
  const clients: Record<string, ImsClient> = {};
  for (const region of regions) {
    // With an endpoint, the region names the project IAM is asked for (when IAM is known), else only the file's region.
    const place = endpoint ? { endpoint, region: iam ? region : undefined } : { region, endpoint: undefined };
    const connection = connect({ ...(values as ParsedValues), ...place }, io, name);
    if (connection.project.from === "none")
      throw new UsageError(`"${name}" needs the owner's project (whose images are read): ${connection.project.why}`, name);
    clients[region] = connection.client;
  }
  return { clients, endpoint };
}

/** Whether a file is there (anything but "no such file" is a reason not to write). */
async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Writes the file whole: a new one exclusively (never over one that appeared meanwhile), or, with --force, by renaming over it. */
async function writeOut(file: string, text: string, force: boolean): Promise<void> {
  if (!force) {
    await writeFile(file, text, { flag: "wx" });
    return;
  }
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, { flag: "wx" });
  await rename(temporary, file);
}

/** What could not be read ends the run (exit 1, nothing written); a run that read nothing at all fails as its error does. */
function refuseIfPartial(imported: SharingImport, regions: number): void {
  const { unread } = imported;
  if (!unread.length) return;
  const whole = unread.filter((u) => u.image === undefined);
  if (whole.length === regions) throw whole[0]!.error;
  throw new CliFailure(
    `the import is partial, so nothing was written: ${unread.map((u) => u.message).join("; ")}`,
    EXIT.partial,
    "PartialImportError",
  );
}

function summary(imported: SharingImport): string {
  const images = imported.images.length;
  const regions = Object.keys(imported.desired.regions).length;
  return `${images} image${images === 1 ? "" : "s"} in ${regions} region${regions === 1 ? "" : "s"}`;
}

export const IMPORT_COMMAND = defineCommand({
  path: ["import"],
  operation: ["listImages", "listImageMembers"],
  summary: "Write a sharing file for what is shared now",
  description:
    "Reads the members of the images named (--image), or of every private image you own that has members, in each region, and " +
    "writes the sharing file that says exactly that: each region's project, each image's projects, accounts and organizations, " +
    "pending and rejected members marked in comments. `plan -f` on it shows no change. Makes no change. To stdout, or to -o FILE " +
    "(an existing FILE is kept unless --force). An image or region that cannot be read is named and nothing is written (exit 1).",
  flags: IMPORT_FLAGS,
  waits: "never",
  connects: false,
  sections: [{ title: "Connection and credentials", lines: CONNECTION_RULES }],
  exitCodes:
    "Exit codes: 0 imported, 1 partial (what could not be read is named; nothing written), 2 bad usage or input (FILE exists),\n" +
    "3 IMS refused or could not be reached, 130 interrupted.",
  examples: [
    "ims-sharing import --region cn-north-4 -o sharing.yaml",
    "ims-sharing import --region cn-north-4 --region cn-east-3 --image d164b5df-1bc3-4c3f-893e-3e471fd16e64 --json",
  ],
  async run(ctx) {
    const file = ctx.values.out;
    const force = ctx.values.force === true;
    if (force && file === undefined) throw new UsageError("--force applies only with -o FILE", ctx.name);
    if (file !== undefined && !force && (await exists(file)))
      throw new UsageError(`${file} exists: nothing was read or written (give --force to overwrite it)`, ctx.name);
    const { clients, endpoint } = regionClients(ctx);
    let imported: SharingImport;
    try {
      imported = await readSharing({ clients, images: ctx.values.image, signal: ctx.signal });
    } catch (error) {
      throw inCliTerms(error, "import");
    }
    refuseIfPartial(imported, Object.keys(clients).length);
    // The file reaches IMS where this run did: plan -f on it reads the same images.
    if (endpoint) for (const entry of Object.values(imported.desired.regions)) entry.endpoint = endpoint;
    const text = formatSharingFile(imported);
    if (file !== undefined) await writeOut(file, text, force);
    ctx.out.event("imported", {
      file: file ?? null,
      desired: imported.desired,
      images: imported.images,
      notes: imported.notes,
    });
    for (const note of imported.notes) if (!ctx.out.json) ctx.out.note(`note: ${note.message}`);
    if (file === undefined) ctx.out.line(text.replace(/\n$/, ""));
    else ctx.out.line(`wrote ${file}: ${summary(imported)}`);
    return EXIT.ok;
  },
});
