// Against Prism mocking the spec: for every operation and every documented response (each
// status, each named example, picked with `Prefer`), the client's request passes Prism's
// validation and the client turns the answer into the right result or error. Invalid requests
// sent on purpose through the raw client are refused with violations naming the bad field.
import { describe, expect, inject, it } from "vitest";
import spec from "../../generated/openapi.json" with { type: "json" };
import { createImsClient, ImsApiError, type ImsAuth, type ImsClient } from "../../src/index.js";
import { observedFetch, type Exchange } from "../../src/contract/observe.js";
import { JOB_ID, PROJECT_ID, SEED_BODY } from "../helpers/fixtures.js";

type Example = { value?: unknown; $ref?: string };
type Operation = {
  operationId: string;
  responses: Record<string, { $ref?: string; content?: { "application/json": { examples: Record<string, Example> } } }>;
};

/** What a local `$ref` points at in the spec (the node itself when it is none). */
const resolve = (node: { $ref?: string }): unknown =>
  node.$ref
    ? node.$ref
        .slice(2)
        .split("/")
        .reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], spec)
    : node;

function client(auth: ImsAuth, prefer: string | undefined, log: Exchange[]): ImsClient {
  return createImsClient({
    endpoint: inject("prismMockUrl"),
    projectId: PROJECT_ID,
    auth,
    retry: false,
    fetch: observedFetch(log, (request) => {
      if (prefer) request.headers.set("Prefer", prefer);
      return fetch(request);
    }),
  });
}

const collect = async <T>(items: AsyncIterable<T>) => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

/** One call per operation of the spec, through the client's own method. */
const calls: Record<string, (ims: ImsClient) => Promise<unknown>> = {
  addImageMembers: (ims) => ims.addImageMembers(SEED_BODY),
  updateImageMembers: (ims) => ims.updateImageMembers({ images: SEED_BODY.images, project_id: PROJECT_ID, status: "accepted" }),
  deleteImageMembers: (ims) => ims.deleteImageMembers(SEED_BODY),
  showJob: (ims) => ims.getJob(JOB_ID),
  showJobProgress: (ims) => ims.getJobProgress(JOB_ID),
  listImageMembers: (ims) => ims.listImageMembersPage(SEED_BODY.images[0]!, { limit: 2 }),
  showImageMember: (ims) => ims.getImageMember(SEED_BODY.images[0]!, PROJECT_ID),
  listSharedImages: (ims) => collect(ims.listSharedImages({ memberStatus: "pending" })),
};

/** What the client resolves with for a 200 answer whose body is `value`. */
/** An example answer, as far as the client reads it. */
type ExampleBody = { job_id?: string; members?: unknown[]; page_info?: { next_marker?: string }; images?: unknown[] };
const expectedData: Record<string, (value: ExampleBody) => unknown> = {
  addImageMembers: (value) => ({ jobId: value.job_id, requestId: expect.any(String) as unknown }),
  updateImageMembers: (value) => ({ jobId: value.job_id, requestId: expect.any(String) as unknown }),
  deleteImageMembers: (value) => ({ jobId: value.job_id, requestId: expect.any(String) as unknown }),
  listImageMembers: (value) =>
    value.page_info?.next_marker ? { members: value.members, nextMarker: value.page_info.next_marker } : { members: value.members },
  listSharedImages: (value) => value.images,
};

const cases = Object.values(spec.paths).flatMap((item) =>
  Object.values(item)
    .filter((op): op is Operation => typeof op === "object" && op !== null && "operationId" in op)
    .flatMap((op) =>
      Object.entries(op.responses).flatMap(([status, ref]) => {
        const response = resolve(ref) as NonNullable<Operation["responses"][string]>;
        return Object.entries(response.content?.["application/json"].examples ?? {}).map(([name, example]) => ({
          operationId: op.operationId,
          status: Number(status),
          name,
          value: (resolve(example) as Example).value,
        }));
      }),
    ),
);

describe("every documented response, through the client", () => {
  it("covers every operation and status the spec declares", () => {
    expect(new Set(cases.map((c) => c.operationId))).toEqual(new Set(Object.keys(calls)));
    expect(cases.length).toBeGreaterThanOrEqual(8 * 8);
  });

  it.each(cases)("$operationId → $status ($name)", async ({ operationId, status, name, value }) => {
    const log: Exchange[] = [];
    const ims = client({ token: "token-for-the-mock" }, `code=${status}, example=${name}`, log);
    const outcome = await calls[operationId]!(ims).then(
      (data) => ({ data }),
      (error: unknown) => ({ error }),
    );
    expect(log).toHaveLength(1);
    expect(log[0]!.violations).toEqual([]);
    expect(log[0]!.status).toBe(status);
    if (status === 200) {
      expect("data" in outcome).toBe(true);
      const data = (outcome as { data: unknown }).data;
      expect(data).toEqual(expectedData[operationId]?.(value as ExampleBody) ?? value);
    } else {
      const error = (outcome as { error: ImsApiError }).error;
      expect(error).toBeInstanceOf(ImsApiError);
      const body = value as { error?: { code: string }; error_code?: string };
      expect(error).toMatchObject({ status, code: body.error?.code ?? body.error_code });
      expect(error.requestId).toBeTruthy();
    }
  });

  it("AK/SK-signed requests pass Prism's validation too", async () => {
    const log: Exchange[] = [];
    const ims = client({ accessKey: "AK", secretKey: "SK-for-the-mock", securityToken: "STS-for-the-mock" }, "code=200, example=seed", log);
    await expect(ims.deleteImageMembers(SEED_BODY)).resolves.toMatchObject({ jobId: "edc89b490d7d4392898e19b2deb34797" });
    expect(log[0]!.violations).toEqual([]);
  });
});

describe("invalid requests sent on purpose (past the client's own checks) are refused", () => {
  const ims = () => client({ token: "t" }, undefined, []);
  const violationsOf = (response: Response) => response.headers.get("sl-violations") ?? "";

  it.each([
    ["an empty images array", { images: [], projects: SEED_BODY.projects }, "images"],
    ["a malformed image ID", { images: ["nope"], projects: SEED_BODY.projects }, "images.0"],
    ["a malformed project ID", { images: SEED_BODY.images, projects: ["9c61"] }, "projects.0"],
    ["a missing projects field", { images: SEED_BODY.images }, "projects"],
    ["an unknown field", { ...SEED_BODY, domains: ["x"] }, "domains"],
    ["duplicates", { images: [SEED_BODY.images[0], SEED_BODY.images[0]], projects: SEED_BODY.projects }, "images"],
  ])("%s", async (_name, body, field) => {
    const { response } = await ims().api.DELETE("/v1/cloudimages/members", { body: body as never, parseAs: "text" });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(violationsOf(response)).toContain(field);
  });

  it("a malformed project ID in the path", async () => {
    const { response } = await ims().api.GET("/v1/{project_id}/jobs/{job_id}", {
      params: { path: { project_id: "xyz", job_id: JOB_ID } },
      parseAs: "text",
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(violationsOf(response)).toContain("project_id");
  });

  it("a request without credentials", async () => {
    const response = await fetch(`${inject("prismMockUrl")}/v1/cloudimages/job/${JOB_ID}`);
    expect(response.status).toBe(401);
  });
});
