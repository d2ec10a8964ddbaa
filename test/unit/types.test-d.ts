// Type-level checks: the generated types flow through the client, and wrong shapes or unknown
// operations do not compile.
import { expectTypeOf, test } from "vitest";
import {
  createImsClient, type AnyJob, type DeleteImageMembersRequest, type Job, type JobProgress, type JobStatus,
} from "../../src/index.js";

const ims = createImsClient({ region: "cn-north-4", auth: { token: "t" } });
const body = { images: ["d164b5df-1bc3-4c3f-893e-3e471fd16e64"], projects: ["9c61004714024f9586705d090530f9fa"] };

test("the request body is the generated type", () => {
  expectTypeOf(ims.deleteImageMembers).parameter(0).toEqualTypeOf<DeleteImageMembersRequest>();
  expectTypeOf<DeleteImageMembersRequest>().toEqualTypeOf<{ images: string[]; projects: string[] }>();
  // @ts-expect-error image IDs are strings
  void ims.deleteImageMembers({ images: [1], projects: ["p"] });
  // @ts-expect-error projects is required
  void ims.deleteImageMembers({ images: ["i"] });
  // @ts-expect-error the seed page lists no `domains`
  void ims.deleteImageMembers({ images: ["i"], projects: ["p"], domains: [] });
});

test("jobs are the generated types", () => {
  expectTypeOf<JobStatus>().toEqualTypeOf<"INIT" | "RUNNING" | "SUCCESS" | "FAIL">();
  expectTypeOf(ims.getJob).returns.resolves.toEqualTypeOf<Job>();
  expectTypeOf(ims.getJobProgress).returns.resolves.toEqualTypeOf<JobProgress>();
  expectTypeOf(ims.waitForJob).returns.resolves.toEqualTypeOf<AnyJob>();
  expectTypeOf<Job["error_code"]>().toEqualTypeOf<string | null | undefined>();
  expectTypeOf(ims.deleteImageMembers).returns.resolves.toHaveProperty("jobId").toEqualTypeOf<string>();
});

test("the raw client knows only the spec's operations", () => {
  void ims.api.DELETE("/v1/cloudimages/members", { body });
  // @ts-expect-error no such path
  void ims.api.GET("/v1/cloudimages/unknown");
  // @ts-expect-error no POST in the spec (yet)
  void ims.api.POST("/v1/cloudimages/members", { body });
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
