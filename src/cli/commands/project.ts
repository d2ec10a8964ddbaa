/**
 * `project` (your own project: its ID, and how the command line knows it: a flag, the variable,
 * or IAM for the region) and `quota` (your private images in the region, used and allowed).
 * Entries of the command table.
 */
import { defineCommand, type Command } from "../framework/types.js";
import { EXIT } from "../output/exit-codes.js";

/** `project`. */
const PROJECT_COMMAND = defineCommand({
  path: ["project"],
  operation: "keystoneListProjects",
  summary: "Show your project ID and how it was found",
  description:
    "Prints the project the other commands act in: the one --project-id (or HUAWEICLOUD_SDK_PROJECT_ID) gives, else the " +
    "region's, found through IAM as Huawei's SDKs find it (GET /v3/projects?name=REGION on --iam-endpoint, else " +
    "HUAWEICLOUD_SDK_IAM_ENDPOINT, else https://iam.myhuaweicloud.com). None, or several (sub-projects), is an error naming them.",
  flags: {},
  waits: "never",
  examples: ["ims-sharing project --region cn-north-4", "ims-sharing project --region cn-north-4 --json"],
  async run(ctx) {
    const { project } = ctx.connection();
    const projectId = await ctx.requireProjectId("it is what this command shows");
    const iam = project.from === "iam" ? project : undefined;
    ctx.out.event("project", {
      projectId,
      source: project.from,
      region: iam?.region ?? null,
      iamEndpoint: iam?.iamEndpoint ?? null,
    });
    const how =
      project.from === "flag"
        ? "given by --project-id"
        : project.from === "env"
          ? "given by HUAWEICLOUD_SDK_PROJECT_ID"
          : `found through IAM: the project of region ${iam?.region ?? "?"}, at ${iam?.iamEndpoint ?? "?"}`;
    ctx.out.line(`project ${projectId} (${how})`);
    return EXIT.ok;
  },
});

/** `quota`. */
const QUOTA_COMMAND = defineCommand({
  path: ["quota"],
  operation: "showImageQuota",
  summary: "Show your private-image quota in the region",
  description:
    "Prints how many private images your project has in the region and how many it may have (copies and pins count). " +
    "members accept --pin checks it before sending anything.",
  flags: {},
  waits: "never",
  examples: ["ims-sharing quota --region cn-north-4", "ims-sharing quota --json"],
  async run(ctx) {
    const quota = await ctx.client().getImageQuota({ signal: ctx.signal });
    ctx.out.event("quota", { used: quota.used, quota: quota.quota });
    ctx.out.line(`private images: ${quota.used} used of ${quota.quota} (${Math.max(0, quota.quota - quota.used)} left)`);
    return EXIT.ok;
  },
});

export const PROJECT_COMMANDS: readonly Command[] = [PROJECT_COMMAND, QUOTA_COMMAND] as readonly Command[];
