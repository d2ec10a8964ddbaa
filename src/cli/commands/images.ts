/**
 * The `images` group: the images other projects share with yours, each with your answer to the
 * share (shared); your images and any others IMS lists, by its filters (list); copying one in
 * its region, as a private image of yours (copy); deleting one of yours (delete). Entries of the
 * command table; the filters' values are the spec's.
 */
import type { ImageInfo } from "../../../generated/ims.js";
import type { ListImagesOptions } from "../../client.js";
import { operationSpec, preset } from "../../operations.js";
import { defineCommand, type Command, type CommandContext } from "../framework/types.js";
import { EXIT } from "../output/exit-codes.js";
import { UsageError } from "../output/usage-error.js";
import { ONE_IMAGE, PAGE_SIZE, pageSize, rowPrinter, SHARE_STATUSES, type ShareStatus } from "./common.js";

const imageRow = (i: ImageInfo, status: ShareStatus) => [
  i.id,
  i.name ?? "",
  i.owner ?? "",
  status,
  i.__os_version ?? "",
  i.created_at ?? "",
];

/** The values a query parameter of ListImages allows, as the spec lists them. */
function allowed(parameter: string): readonly string[] {
  const values = operationSpec("listImages").input.query?.[parameter]?.enum;
  if (!values) throw new TypeError(`listImages' ${parameter} has no enum in the spec`);
  return values.map(String);
}

const EXAMPLE_IMAGE = "d164b5df-1bc3-4c3f-893e-3e471fd16e64";

/** `images shared`. */
const SHARED_IMAGES_COMMAND = defineCommand({
  path: ["images", "shared"],
  operation: "listImages",
  summary: "List images shared with you",
  description:
    "Lists the images other projects share with yours (every page), each with your answer to the share " +
    "(STATUS: pending, accepted or rejected): a table on a terminal, tab-separated lines in a pipe, JSON lines with --json. " +
    "Without --status, each status is listed in turn (IMS says the status only through the filter).",
  flags: {
    status: { type: "string", value: "S", choices: SHARE_STATUSES, help: "only shares you answered so (or not yet: pending)" },
    owner: { type: "string", value: "P", help: "only images shared by this project" },
    "page-size": PAGE_SIZE,
  },
  waits: "never",
  examples: [
    "ims-sharing images shared --region cn-north-4 --status pending",
    "ims-sharing images shared --owner 5f1e0c3a9d2b4e6f8a7c1b3d5e7f9a0b --json",
  ],
  async run(ctx) {
    const { status, owner } = ctx.values;
    const limit = pageSize(ctx.values["page-size"], ctx.name);
    const filters = [status === undefined ? undefined : `with status ${status}`, owner === undefined ? undefined : `by ${owner}`].filter(
      Boolean,
    );
    const rows = rowPrinter(
      ctx.out,
      ["IMAGE", "NAME", "OWNER", "STATUS", "OS", "CREATED"],
      `no image is shared with you${filters.length ? ` ${filters.join(" ")}` : ""}`,
    );
    for (const memberStatus of status === undefined ? SHARE_STATUSES : [status as ShareStatus]) {
      const options = {
        signal: ctx.signal,
        memberStatus,
        ...(owner === undefined ? {} : { owner }),
        ...(limit === undefined ? {} : { limit }),
      };
      for await (const image of ctx.client().listSharedImages(options)) {
        ctx.out.event("image", { image, status: memberStatus });
        rows.add(imageRow(image, memberStatus));
      }
    }
    rows.end();
    return EXIT.ok;
  },
});

const LIST_FLAGS = {
  type: {
    type: "string",
    value: "T",
    choices: allowed("__imagetype"),
    help: "only images of this type (__imagetype): yours are private, public ones gold; shared lists what is shared with you",
  },
  status: { type: "string", value: "S", choices: allowed("status"), help: "only images in this state (active: ready for use)" },
  name: { type: "string", value: "NAME", help: "only images of exactly this name" },
  owner: { type: "string", value: "P", help: "only images owned by this project" },
  "page-size": PAGE_SIZE,
} as const;

/** `images list`. */
const LIST_IMAGES_COMMAND = defineCommand({
  path: ["images", "list"],
  operation: "listImages",
  description:
    "Lists the images IMS shows your project (every page), filtered as IMS filters them: a table on a terminal, tab-separated " +
    "lines in a pipe, JSON lines with --json. --type shared lists what other projects share with you (as images shared does, " +
    "without your answer to each share).",
  flags: LIST_FLAGS,
  waits: "never",
  examples: ["ims-sharing images list --region cn-north-4 --type private", "ims-sharing images list --type private --status active --json"],
  async run(ctx) {
    const { type, status, name, owner } = ctx.values;
    const limit = pageSize(ctx.values["page-size"], ctx.name);
    // The recipient's view needs visibility=shared beside the type: the spec's preset says so.
    const shared = type === "shared" ? (preset("listImages", "shared") as Partial<Record<string, string>>) : {};
    const options = {
      signal: ctx.signal,
      ...(shared.visibility === undefined ? {} : { visibility: shared.visibility }),
      ...(type === undefined ? {} : { imagetype: type }),
      ...(status === undefined ? {} : { status }),
      ...(name === undefined ? {} : { name }),
      ...(owner === undefined ? {} : { owner }),
      ...(limit === undefined ? {} : { limit }),
    } as ListImagesOptions;
    const rows = rowPrinter(ctx.out, ["IMAGE", "NAME", "TYPE", "STATUS", "OWNER", "SIZE", "CREATED"], "no image matches");
    for await (const image of ctx.client().listImages(options)) {
      ctx.out.event("listed", { image });
      rows.add([
        image.id,
        image.name ?? "",
        image.__imagetype ?? "",
        image.status ?? "",
        image.owner ?? "",
        image.__image_size ?? "",
        image.created_at ?? "",
      ]);
    }
    rows.end();
    return EXIT.ok;
  },
});

/** `images copy`. */
const COPY_IMAGE_COMMAND = defineCommand({
  path: ["images", "copy"],
  operation: "copyImageInRegion",
  description:
    "Copies an image in its region into a new private image of yours (a copy is billed as any image). IMS copies as a job: " +
    "its ID is printed the moment IMS accepts the request, with the command that follows it; with --wait, the new image's ID " +
    "once the job has succeeded (job wait prints it too). Not for full-ECS or ISO images.",
  flags: {
    image: ONE_IMAGE,
    name: { type: "string", required: true, value: "NAME", help: "the new image's name" },
    description: { type: "string", value: "TEXT", help: "the new image's description" },
  },
  waits: "optional",
  examples: [
    `ims-sharing images copy --region cn-north-4 --image ${EXAMPLE_IMAGE} --name web-base-copy --wait`,
    `ims-sharing images copy --image ${EXAMPLE_IMAGE} --name web-base-copy --description "pinned copy" --json`,
  ],
  run(ctx) {
    const { image = "", name = "", description } = ctx.values;
    return ctx.change("copyImageInRegion", {
      path: { image_id: image },
      body: { name, ...(description === undefined ? {} : { description }) },
    });
  },
});

/** Asks before deleting, on a terminal; refuses without one (or with --json), naming --yes. */
async function confirmDeletion(ctx: CommandContext, image: string): Promise<boolean> {
  if (!ctx.confirm || ctx.out.json)
    throw new UsageError(`deleting image ${image} cannot be undone: pass --yes to delete it without a terminal to ask on`, ctx.name);
  let found: ImageInfo | undefined;
  for await (const i of ctx.client().listImages({ id: image, signal: ctx.signal })) found = i;
  const what = found ? ` (${[found.name, found.__imagetype, found.status].filter(Boolean).join(", ")})` : "";
  return ctx.confirm(`Delete image ${image}${what}? It cannot be undone. Type yes to delete it: `);
}

/** `images delete`. */
const DELETE_IMAGE_COMMAND = defineCommand({
  path: ["images", "delete"],
  operation: "glanceDeleteImage",
  description:
    "Deletes one of your private images, a pinned copy for example. On a terminal it asks first (--yes skips the question); " +
    "without one, --yes is required. Any answer but yes cancels (exit 1).",
  flags: {
    image: ONE_IMAGE,
    "delete-backup": { type: "boolean", help: "for a full-ECS image, delete its backup (CBR) too" },
    yes: { type: "boolean", short: "y", help: "delete without asking" },
  },
  waits: "never",
  examples: [`ims-sharing images delete --region cn-north-4 --image ${EXAMPLE_IMAGE}`, `ims-sharing images delete --image ID --yes --json`],
  async run(ctx) {
    const image = ctx.values.image ?? "";
    if (!ctx.values.yes && !(await confirmDeletion(ctx, image))) {
      ctx.out.line("Deletion cancelled: nothing was deleted.");
      return EXIT.cancelled;
    }
    // Always said (false: IMS's default), so that the request has the body the spec describes.
    await ctx.client().deleteImage(image, { deleteBackup: ctx.values["delete-backup"] === true, signal: ctx.signal });
    ctx.out.event("deleted", { imageId: image });
    ctx.out.line(`deleted image ${image}`);
    return EXIT.ok;
  },
});

export const IMAGES_COMMANDS: readonly Command[] = [
  SHARED_IMAGES_COMMAND,
  LIST_IMAGES_COMMAND,
  COPY_IMAGE_COMMAND,
  DELETE_IMAGE_COMMAND,
] as readonly Command[];
