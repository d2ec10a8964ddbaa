/**
 * The writes: they run only on the images and projects the caller names (or the fake's own),
 * each set up first and each change read back (expect.ts's `readBack`), through the clients'
 * waiting helpers so that every job is followed to its end.
 */
import type { Check, CheckContext } from "./context.js";
import { readBack } from "./expect.js";
import { membersOf, sharedWith } from "./paging.js";

const remember = (ctx: CheckContext, job: { job_id: string }) => ctx.run.jobs.push(job.job_id);

const stopSharing: Check = {
  name: "stop sharing: the named images are shared with the member projects first, then unshared; each change read back",
  operations: ["addImageMembers", "deleteImageMembers", "listImageMembers"],
  writes: true,
  skip: (target) =>
    target.images?.length && target.memberProjects?.length
      ? target.projectId
        ? undefined
        : "needs a project ID (--project-id) to read the members back"
      : "changes sharing: name the images and member projects it may change (--image, --member-project)",
  async run(ctx) {
    const images = ctx.target.images!;
    const projects = ctx.target.memberProjects!;
    const missing = async (present: boolean) => {
      const wrong: string[] = [];
      for (const image of images) {
        const members = await membersOf(ctx, image);
        for (const project of projects)
          if (members.has(project) !== present) wrong.push(`${project} is ${present ? "not " : "still "}a member of ${image}`);
      }
      return wrong.length ? wrong.join("; ") : undefined;
    };
    const shared = await ctx.owner.shareImages({ images, projects }, ctx.wait);
    remember(ctx, shared);
    await readBack(ctx, `after sharing (job ${shared.job_id} ${shared.status})`, () => missing(true));
    const unshared = await ctx.owner.unshareImages({ images, projects }, ctx.wait);
    remember(ctx, unshared);
    await readBack(ctx, `after unsharing (job ${unshared.job_id} ${unshared.status})`, () => missing(false));
  },
};

type ShareStatus = "pending" | "accepted" | "rejected";

/** The probes of the round trip: how the owner and the recipient each see the share of `image`. */
function roundTripProbes(ctx: CheckContext, image: string) {
  const project = ctx.recipient!.projectId;
  const memberStatus = async () => (await membersOf(ctx, image)).get(project);
  const ownerSees = (status: ShareStatus) => async () => {
    const listed = await memberStatus();
    if (listed !== status)
      return `the owner lists the recipient ${listed ? `as ${listed}` : "not at all"} among ${image}'s members, expected ${status}`;
    const member = await ctx.owner.getImageMember(image, project, { signal: ctx.signal });
    return member.status === status ? undefined : `the owner reads the member as ${member.status}, expected ${status}`;
  };
  const recipientSees = (status: ShareStatus) => async () =>
    (await sharedWith(ctx, status)).has(image) ? undefined : `the recipient does not list ${image} among its ${status} shared images`;
  const ownerSeesNone = async () => ((await memberStatus()) === undefined ? undefined : "the owner still lists the recipient as a member");
  const recipientSeesNone = async () => {
    for (const status of ["pending", "accepted", "rejected"] as const) {
      if ((await sharedWith(ctx, status)).has(image)) return `the recipient still lists ${image} among its ${status} shared images`;
    }
    return undefined;
  };
  return { memberStatus, ownerSees, recipientSees, ownerSeesNone, recipientSeesNone };
}

const roundTrip: Check = {
  name:
    "two tenants: share → the recipient sees it pending → accept → the owner sees it accepted → " +
    "reject → the owner sees it rejected → unshare → the recipient no longer sees it",
  operations: ["addImageMembers", "updateImageMembers", "deleteImageMembers", "listImageMembers", "showImageMember", "listImages"],
  writes: true,
  skip: (target) =>
    !target.recipient
      ? "needs a second tenant's credentials (--recipient-* flags or HUAWEICLOUD_SDK_RECIPIENT_* variables)"
      : !target.images?.length
        ? "changes sharing: name an image of yours it may share with the recipient (--image)"
        : !target.projectId
          ? "needs the owner's project ID (--project-id)"
          : undefined,
  async run(ctx) {
    const image = ctx.target.images!.at(-1)!;
    const recipient = ctx.recipient!;
    const body = { images: [image], projects: [recipient.projectId] };
    const { memberStatus, ownerSees, recipientSees, ownerSeesNone, recipientSeesNone } = roundTripProbes(ctx, image);

    // Set up: a share left from an earlier run (or the account's own) would not start pending.
    const before = await memberStatus();
    if (before !== undefined) {
      ctx.info(`set up: ${image} was already shared with the recipient (${before}): unsharing it first`);
      const cleared = await ctx.owner.unshareImages(body, ctx.wait);
      remember(ctx, cleared);
      await readBack(ctx, `setting up (job ${cleared.job_id})`, async () =>
        (await memberStatus()) === undefined ? undefined : "the recipient is still a member",
      );
    }

    const shared = await ctx.owner.shareImages(body, ctx.wait);
    remember(ctx, shared);
    await readBack(ctx, `after sharing (job ${shared.job_id})`, ownerSees("pending"));
    await readBack(ctx, `after sharing (job ${shared.job_id})`, recipientSees("pending"));

    const accepted = await recipient.client.acceptImages([image], ctx.wait);
    await readBack(ctx, `after accepting (job ${accepted.job_id})`, ownerSees("accepted"));
    await readBack(ctx, `after accepting (job ${accepted.job_id})`, recipientSees("accepted"));

    const rejected = await recipient.client.rejectImages([image], ctx.wait);
    await readBack(ctx, `after rejecting (job ${rejected.job_id})`, ownerSees("rejected"));
    await readBack(ctx, `after rejecting (job ${rejected.job_id})`, recipientSees("rejected"));

    const unshared = await ctx.owner.unshareImages(body, ctx.wait);
    remember(ctx, unshared);
    await readBack(ctx, `after unsharing (job ${unshared.job_id})`, ownerSeesNone);
    await readBack(ctx, `after unsharing (job ${unshared.job_id})`, recipientSeesNone);
  },
};

/** The writes, in the order they run. */
export const WRITE_CHECKS: readonly Check[] = [stopSharing, roundTrip];
