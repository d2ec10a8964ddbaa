// Type-level checks: the generated types flow through the client, wrong shapes or unknown
// operations do not compile, and the public types fit a strict project (exactOptionalPropertyTypes,
// noUncheckedIndexedAccess), as the project's own tsconfig is.
import { expectTypeOf, test } from "vitest";
import {
  type ChangeResolution,
  type ChangeResult,
  createImsClient,
  type AnyJob,
  type components,
  type DeleteImageMembersRequest,
  type ImsClient,
  type Job,
  type JobProgress,
  type JobStatus,
  type PinnedCopy,
  type SharedImage,
} from "../../src/index.js";
import { OWNER_PROJECT, OWNER_TOKEN, RECIPIENT_PROJECT, RECIPIENT_TOKEN, SEED_IMAGES, SEED_PROJECTS } from "../../src/fake/index.js";

const ims = createImsClient({ region: "cn-north-4", auth: { token: "t" } });
const body = { images: ["d164b5df-1bc3-4c3f-893e-3e471fd16e64"], projects: ["9c61004714024f9586705d090530f9fa"] };

test("options accept undefined explicitly, so values from the environment pass as they are", () => {
  createImsClient({ endpoint: "http://127.0.0.1:1", projectId: process.env.X, auth: { token: "t" } });
  createImsClient({
    region: process.env.HUAWEICLOUD_SDK_REGION,
    endpoint: process.env.IMS_ENDPOINT,
    projectId: process.env.HUAWEICLOUD_SDK_PROJECT_ID,
    signingHost: process.env.X,
    requestTimeoutMs: undefined,
    retry: undefined,
    poll: undefined,
    fetch: undefined,
    allowInsecureHttp: undefined,
    auth: { accessKey: "AK", secretKey: "SK", securityToken: process.env.HUAWEICLOUD_SDK_SECURITY_TOKEN },
  });
  void ims.listImageMembersPage("i", { limit: undefined, marker: process.env.X, signal: undefined });
  void ims.listSharedImages({ memberStatus: undefined, owner: process.env.X, limit: undefined, signal: undefined });
  void ims.acceptImages(["i"], { vaultId: process.env.X, onAccepted: undefined, signal: undefined });
  void ims.getJob("j", { signal: undefined });
});

test("the fake's constants are readonly tuples: indexing them gives a string, not string | undefined", () => {
  expectTypeOf(SEED_IMAGES[0]).toBeString();
  expectTypeOf(SEED_IMAGES[1]).toBeString();
  expectTypeOf(SEED_PROJECTS[0]).toBeString();
  expectTypeOf(SEED_IMAGES).toExtend<readonly string[]>();
  // @ts-expect-error readonly: the seed is not the caller's to change
  SEED_IMAGES.push("x"); // eslint-disable-line @typescript-eslint/no-unsafe-call -- the call is the type error under test
  for (const id of [OWNER_PROJECT, RECIPIENT_PROJECT, OWNER_TOKEN, RECIPIENT_TOKEN]) expectTypeOf(id).toBeString();
  // So they go straight into a request body.
  void ims.addImageMembers({ images: [SEED_IMAGES[0]], projects: [SEED_PROJECTS[1]] });
});

test("per-operation inputs and outputs are the generated types", () => {
  type Schemas = components["schemas"];
  expectTypeOf<Parameters<ImsClient["addImageMembers"]>[0]>().toEqualTypeOf<Schemas["ImageMembersRequest"]>();
  expectTypeOf<Parameters<ImsClient["deleteImageMembers"]>[0]>().toEqualTypeOf<Schemas["ImageMembersRequest"]>();
  expectTypeOf<Parameters<ImsClient["updateImageMembers"]>[0]>().toEqualTypeOf<Schemas["UpdateImageMembersRequest"]>();
  expectTypeOf<DeleteImageMembersRequest>().toEqualTypeOf<Schemas["ImageMembersRemoval"]>();
  expectTypeOf<Parameters<ImsClient["unshareImages"]>[0]>().toEqualTypeOf<Schemas["ImageMembersRemoval"]>();
  expectTypeOf<ReturnType<ImsClient["listImageMembers"]>>().toEqualTypeOf<AsyncIterable<Schemas["ImageMember"]>>();
  expectTypeOf(ims.listImageMembersPage).returns.resolves.toHaveProperty("members").toEqualTypeOf<Schemas["ImageMember"][]>();
  expectTypeOf(ims.getImageMember).returns.resolves.toEqualTypeOf<Schemas["ImageMember"]>();
  expectTypeOf<ReturnType<ImsClient["listSharedImages"]>>().toEqualTypeOf<AsyncIterable<SharedImage>>();
  expectTypeOf<SharedImage>().toEqualTypeOf<Schemas["ImageInfo"]>();
  expectTypeOf(ims.getJob).returns.resolves.toEqualTypeOf<Job>();
  expectTypeOf<Job>().toEqualTypeOf<Schemas["Job"]>();
  expectTypeOf(ims.getJobProgress).returns.resolves.toEqualTypeOf<JobProgress>();
  expectTypeOf(ims.waitForJob).returns.resolves.toEqualTypeOf<AnyJob>();
  // The helpers that send and wait resolve with the job, and how an unknown first outcome was settled.
  expectTypeOf(ims.shareImages).returns.resolves.toEqualTypeOf<AnyJob & { resolution?: ChangeResolution }>();
  expectTypeOf(ims.unshareImages).returns.resolves.toEqualTypeOf<ChangeResult>();
  expectTypeOf(ims.acceptImages).returns.resolves.toEqualTypeOf<ChangeResult & { pins?: PinnedCopy[] }>();
  // The operations around sharing (issue 18).
  expectTypeOf(ims.resolveProjectId).returns.resolves.toEqualTypeOf<string>();
  expectTypeOf<ReturnType<ImsClient["listImages"]>>().toEqualTypeOf<AsyncIterable<Schemas["ImageInfo"]>>();
  expectTypeOf(ims.copyImageInRegion).returns.resolves.toHaveProperty("jobId").toEqualTypeOf<string>();
  expectTypeOf(ims.copyImage).returns.resolves.toHaveProperty("imageId").toEqualTypeOf<string>();
  expectTypeOf(ims.getImageQuota).returns.resolves.toHaveProperty("used").toEqualTypeOf<number>();
  expectTypeOf(ims.deleteImage).returns.resolves.toBeVoid();
  expectTypeOf(ims.call("glanceDeleteImage", { path: { image_id: "i" } })).resolves.toEqualTypeOf<undefined>();
  expectTypeOf(ims.rejectImages).returns.resolves.toEqualTypeOf<ChangeResult>();
  expectTypeOf(ims.deleteImageMembers).returns.resolves.toHaveProperty("jobId").toEqualTypeOf<string>();
});

test("request bodies are checked", () => {
  // @ts-expect-error image IDs are strings
  void ims.deleteImageMembers({ images: [1], projects: ["p"] });
  // @ts-expect-error images is required
  void ims.deleteImageMembers({ projects: ["p"] });
  // @ts-expect-error no such field
  void ims.addImageMembers({ images: ["i"], projects: ["p"], tenants: [] });
  // @ts-expect-error the recipient answers accepted or rejected, never pending
  void ims.updateImageMembers({ images: ["i"], project_id: "p", status: "pending" });
});

test("jobs are the generated types", () => {
  expectTypeOf<JobStatus>().toEqualTypeOf<"INIT" | "RUNNING" | "SUCCESS" | "FAIL">();
  expectTypeOf<Job["error_code"]>().toEqualTypeOf<string | null | undefined>();
});

test("the raw client knows only the spec's operations", () => {
  void ims.api.DELETE("/v1/cloudimages/members", { body });
  void ims.api.POST("/v1/cloudimages/members", { body });
  // @ts-expect-error no such path
  void ims.api.GET("/v1/cloudimages/unknown");
  // @ts-expect-error no PATCH in the spec
  void ims.api.PATCH("/v1/cloudimages/members", { body });
  // @ts-expect-error project_id is a required path parameter
  void ims.api.GET("/v1/{project_id}/jobs/{job_id}", { params: { path: { job_id: "x" } } });
  // @ts-expect-error a DELETE needs its body
  void ims.api.DELETE("/v1/cloudimages/members", {});
});

test("auth is a token or AK/SK credentials", () => {
  // @ts-expect-error auth is required
  createImsClient({ region: "cn-north-4" });
  // @ts-expect-error secretKey is required with accessKey
  createImsClient({ region: "cn-north-4", auth: { accessKey: "AK" } });
});

test("call and paginate are typed from the operation table", () => {
  type Schemas = components["schemas"];
  // An x-ims-job operation resolves with the accepted job; any other with its answer.
  expectTypeOf(ims.call("addImageMembers", { body: { images: ["i"], projects: ["p"] } })).resolves.toEqualTypeOf<{
    jobId: string;
    requestId?: string;
  }>();
  expectTypeOf(ims.call("showJob", { path: { job_id: "j" } })).resolves.toEqualTypeOf<Job>();
  expectTypeOf(ims.call("listImageMembers", { path: { image_id: "i" } })).resolves.toEqualTypeOf<Schemas["ImageMemberList"]>();
  // project_id is the client's: it may be left out.
  void ims.call("showImageMember", { path: { image_id: "i", member_id: "m" } });
  // @ts-expect-error a body is required for a write
  void ims.call("deleteImageMembers", {});
  // @ts-expect-error path parameters are required
  void ims.call("showJob", {});
  // @ts-expect-error an operation the table does not have
  void ims.call("removeImage", {});
  // Items of a paginated operation; only paginated operations page.
  expectTypeOf(ims.paginate("listImageMembers", { path: { image_id: "i" } })).toEqualTypeOf<AsyncIterable<Schemas["ImageMember"]>>();
  expectTypeOf(ims.paginate("listImages")).toEqualTypeOf<AsyncIterable<SharedImage>>();
  // @ts-expect-error showJob is not paginated
  void ims.paginate("showJob", { path: { job_id: "j" } });
});
