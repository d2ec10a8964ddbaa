/**
 * The `members` group: who your images are shared with, as their owner (add, delete, list,
 * show), and your answers to shares, as a recipient (accept, reject). Entries of the command
 * table; each is one operation of the spec.
 */
import { answerBody } from "../../client.js";
import { ImsValidationError } from "../../errors.js";
import { DEFAULT_PIN_NAME } from "../../pin.js";
import type { ImageMember } from "../../../generated/ims.js";
import { defineCommand, type Command, type CommandContext, type FlagValues, type Flags } from "../framework/types.js";
import { EXIT } from "../output/exit-codes.js";
import { UsageError } from "../output/usage-error.js";
import { IMAGES, ONE_IMAGE, OWNER_PROJECT_WHY, PAGE_SIZE, pageSize, RECIPIENT_PROJECT_WHY, rowPrinter } from "./common.js";

/** The members named by add and delete: projects, accounts, organizations. */
const MEMBER_FLAGS = {
  image: IMAGES,
  "member-project": {
    type: "string",
    multiple: true,
    oneOf: "members",
    value: "ID",
    aliases: ["project"],
    help: "a project (tenant) acted on, 32 hex digits; repeat for several. Not your own project: that is --project-id",
  },
  "member-domain": {
    type: "string",
    multiple: true,
    oneOf: "members",
    value: "ID",
    aliases: ["domain"],
    help: "an account (domain) ID, 32 hex digits; repeat for several",
  },
  "member-organization": {
    type: "string",
    multiple: true,
    oneOf: "members",
    value: "URN",
    aliases: ["organization"],
    help:
      "an organization: its URN (organizations::ACCOUNT:organization:o-…, …:ou:o-…/ou-…) or a bare o-/r-/ou- ID; " + "repeat for several",
  },
} as const satisfies Flags;

function membersBody(values: FlagValues<typeof MEMBER_FLAGS>) {
  return {
    images: values.image ?? [],
    ...(values["member-project"] ? { projects: values["member-project"] } : {}),
    ...(values["member-domain"] ? { domains: values["member-domain"] } : {}),
    ...(values["member-organization"] ? { organizations: values["member-organization"] } : {}),
  };
}

const memberRow = (m: ImageMember) => [m.member_id, m.member_type ?? "project", m.status, m.updated_at ?? m.created_at ?? ""];

const EXAMPLE_IMAGE = "d164b5df-1bc3-4c3f-893e-3e471fd16e64";
const EXAMPLE_PROJECT = "9c61004714024f9586705d090530f9fa";

/** `members add` and `members delete`: the same flags, one change each. */
function memberChange(
  word: "add" | "delete",
  operation: "addImageMembers" | "deleteImageMembers",
  text: { description: string; example: string },
) {
  return defineCommand({
    path: ["members", word],
    operation,
    description: text.description,
    flags: MEMBER_FLAGS,
    waits: "optional",
    examples: [
      `ims-sharing members ${word} --region cn-north-4 --image ${EXAMPLE_IMAGE} \\\n      --member-project ${EXAMPLE_PROJECT} --wait`,
      text.example,
    ],
    run: (ctx) => ctx.change(operation, { body: membersBody(ctx.values) }),
  });
}

/**
 * `members accept --pin`: the client's acceptImages with a pin. The first job it reports is the
 * accept's, the others the copies'; each is printed the moment IMS accepts it.
 */
async function acceptAndPin(ctx: CommandContext, images: string[], name: string): Promise<number> {
  if (!ctx.wait) throw new UsageError("--pin needs --wait: the copies are made once the accept job has succeeded", ctx.name);
  let jobs = 0;
  const onAccepted = (jobId: string) => {
    if (jobs++ === 0) ctx.accepted(jobId);
    else ctx.out.line(`copying: job ${jobId}`);
  };
  let result;
  try {
    result = await ctx.client().acceptImages(images, {
      ...(typeof ctx.values.vault === "string" ? { vaultId: ctx.values.vault } : {}),
      pin: { name },
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      onAccepted,
    });
  } catch (error) {
    const refusal = error instanceof ImsValidationError ? error.issues.find((i) => i.path === "pin") : undefined;
    if (refusal) throw new UsageError(`--pin refused before sending anything: it ${refusal.message}`, ctx.name);
    throw error;
  }
  ctx.out.line(`job ${result.job_id} succeeded: ${images.length === 1 ? "the image is" : `${images.length} images are`} accepted`);
  for (const pin of result.pins ?? []) {
    const jobId = pin.job?.job_id ?? null;
    ctx.out.event("pinned", { image: pin.image, copy: pin.copy, name: pin.name, jobId });
    ctx.out.line(`pinned ${pin.image} as ${pin.copy} ("${pin.name}"${jobId ? `, job ${jobId}` : ", there already"})`);
  }
  return EXIT.ok;
}

export const MEMBERS_COMMANDS: readonly Command[] = [
  memberChange("add", "addImageMembers", {
    description:
      "Shares images with projects, accounts or organizations. Each project must then accept the share " +
      "(members accept, from its own project); accounts and organizations need not.",
    example: "ims-sharing members add --image ID --member-domain ACCOUNT_ID --member-organization o-abc123 --json",
  }),
  memberChange("delete", "deleteImageMembers", {
    description: "Stops sharing images with projects, accounts or organizations.",
    example: "ims-sharing members delete --endpoint http://127.0.0.1:4010 --image ID --member-project ID --json",
  }),
  defineCommand({
    path: ["members", "list"],
    operation: "listImageMembers",
    description:
      "Lists every member of one of your images (every page): a table on a terminal, tab-separated lines in a pipe, " +
      "JSON lines with --json. Needs --project-id, the owner's project.",
    flags: { image: ONE_IMAGE, "page-size": PAGE_SIZE },
    waits: "never",
    examples: [`ims-sharing members list --region cn-north-4 --project-id YOUR_PROJECT_ID --image ${EXAMPLE_IMAGE}`],
    async run(ctx) {
      const image = ctx.values.image ?? "";
      await ctx.requireProjectId(OWNER_PROJECT_WHY);
      const limit = pageSize(ctx.values["page-size"], ctx.name);
      const rows = rowPrinter(ctx.out, ["MEMBER", "TYPE", "STATUS", "UPDATED"], `image ${image} has no members`);
      for await (const member of ctx.client().listImageMembers(image, { signal: ctx.signal, ...(limit === undefined ? {} : { limit }) })) {
        ctx.out.event("member", { imageId: image, member });
        rows.add(memberRow(member));
      }
      rows.end();
      return EXIT.ok;
    },
  }),
  defineCommand({
    path: ["members", "show"],
    operation: "showImageMember",
    description:
      "Shows one member of an image: whether the share is pending, accepted or rejected. " +
      "Needs --project-id (the owner's project, or the member's own).",
    flags: {
      image: ONE_IMAGE,
      member: { type: "string", required: true, value: "ID", help: "the member: a project, account or o-/ou- organization ID" },
    },
    waits: "never",
    examples: [`ims-sharing members show --project-id YOUR_PROJECT_ID --image ${EXAMPLE_IMAGE} --member ${EXAMPLE_PROJECT}`],
    async run(ctx) {
      const image = ctx.values.image ?? "";
      await ctx.requireProjectId("the member is read in the owner's project (or the member's own)");
      const member = await ctx.client().getImageMember(image, ctx.values.member ?? "", { signal: ctx.signal });
      ctx.out.event("member", { imageId: image, member });
      ctx.out.line(
        [
          `member ${member.member_id} of image ${member.image_id ?? image}: ${member.status}`,
          `type: ${member.member_type ?? "project"}`,
          member.urn && `urn: ${member.urn}`,
          member.created_at && `shared: ${member.created_at}`,
          member.updated_at && `updated: ${member.updated_at}`,
        ]
          .filter(Boolean)
          .join("\n"),
      );
      return EXIT.ok;
    },
  }),
  defineCommand({
    path: ["members", "accept"],
    operation: ["updateImageMembers", "copyImageInRegion"],
    summary: "Accept images shared with your project",
    description:
      "Accepts images shared with your project. Run it as the recipient: --project-id is your own project (left out: found " +
      "through IAM), sent as the request's project_id. With --pin (and --wait), each image is then copied into a private one " +
      "of yours, so the owner's unsharing cannot take it away; your quota is checked before anything is sent, and a private " +
      "image already named as the pin is the pin (not copied again).",
    flags: {
      image: IMAGES,
      vault: { type: "string", value: "ID", help: "the vault (CBR) to accept a full-ECS image into; needed for those" },
      pin: {
        type: "string",
        value: "NAME",
        help: `copy each image once accepted, named NAME: {name} and {id} are the shared image's (e.g. ${DEFAULT_PIN_NAME}); needs --wait`,
      },
    },
    waits: "optional",
    examples: [
      `ims-sharing members accept --region cn-north-4 --project-id YOUR_PROJECT_ID --image ${EXAMPLE_IMAGE} --wait`,
      `ims-sharing members accept --region cn-north-4 --image ${EXAMPLE_IMAGE} --pin '{name}-pinned' --wait`,
    ],
    async run(ctx) {
      const projectId = await ctx.requireProjectId(RECIPIENT_PROJECT_WHY);
      const images = ctx.values.image ?? [];
      if (ctx.values.pin === undefined) {
        return ctx.change("updateImageMembers", { body: answerBody(images, projectId, "accepted", ctx.values.vault) });
      }
      return acceptAndPin(ctx, images, ctx.values.pin);
    },
  }),
  defineCommand({
    path: ["members", "reject"],
    operation: "updateImageMembers",
    summary: "Reject images shared with your project",
    description:
      "Rejects images shared with your project (they can be accepted later). Run it as the recipient: " +
      "--project-id is your own project, sent as the request's project_id.",
    flags: { image: IMAGES },
    waits: "optional",
    examples: [`ims-sharing members reject --region cn-north-4 --project-id YOUR_PROJECT_ID --image ${EXAMPLE_IMAGE} --wait`],
    async run(ctx) {
      const projectId = await ctx.requireProjectId(RECIPIENT_PROJECT_WHY);
      return ctx.change("updateImageMembers", { body: answerBody(ctx.values.image ?? [], projectId, "rejected") });
    },
  }),
];
