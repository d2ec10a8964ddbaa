/**
 * The `images` group: the images other projects share with yours, each with your answer to the
 * share. An entry of the command table.
 */
import type { SharedImage } from "../../../generated/ims.js";
import { defineCommand } from "../framework/types.js";
import { EXIT } from "../output/exit-codes.js";
import { PAGE_SIZE, pageSize, rowPrinter, SHARE_STATUSES, type ShareStatus } from "./common.js";

const imageRow = (i: SharedImage, status: ShareStatus) => [
  i.id,
  i.name ?? "",
  i.owner ?? "",
  status,
  i.__os_version ?? "",
  i.created_at ?? "",
];

/** `images shared`. */
export const SHARED_IMAGES_COMMAND = defineCommand({
  path: ["images", "shared"],
  operation: "listSharedImages",
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
