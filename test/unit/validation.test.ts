// Input is checked against the spec's own schemas before anything is sent; every problem is
// listed, and the server never sees a request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createImsClient, ImsValidationError, type ImsClient } from "../../src/index.js";
import { IMAGES, JOB_ID, PROJECTS } from "../helpers/fixtures.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

let server: ScriptedServer;
let ims: ImsClient;
beforeAll(async () => {
  server = await startScriptedServer(() => ({ status: 200, body: { job_id: JOB_ID } }));
  ims = createImsClient({ endpoint: server.url, auth: { token: "t-secret" } });
});
afterAll(() => server.close());

async function issuesOf(
  body: unknown,
  send: "deleteImageMembers" | "addImageMembers" = "deleteImageMembers",
): Promise<Array<{ path: string; message: string }>> {
  const before = server.requests.length;
  const error = await ims[send](body as never).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImsValidationError);
  expect(server.requests.length).toBe(before);
  return (error as ImsValidationError).issues;
}

describe("deleteImageMembers rejects before sending", () => {
  it("empty arrays", async () => {
    expect(await issuesOf({ images: [], projects: [] })).toEqual([
      { path: "images", message: "must not be empty" },
      { path: "projects", message: "must not be empty" },
    ]);
  });

  it("missing fields and a body that is not an object", async () => {
    expect((await issuesOf({})).map((i) => `${i.path} ${i.message}`)).toEqual([
      "images is required",
      "projects is required, or one of domains, organizations",
    ]);
    expect((await issuesOf(null))[0]?.message).toMatch(/must be object, got null/);
    expect((await issuesOf(["x"]))[0]?.message).toMatch(/must be object, got array/);
  });

  it("IDs in the wrong format, naming the element, in words (no regular expression)", async () => {
    const issues = await issuesOf({ images: [IMAGES[0], "not-a-uuid"], projects: ["9c61004714024f9586705d090530f9fa", "short"] });
    expect(issues).toEqual([
      {
        path: "images[1]",
        message: 'must be an image ID (a lower-case UUID such as d164b5df-1bc3-4c3f-893e-3e471fd16e64), got "not-a-uuid"',
      },
      { path: "projects[1]", message: 'must be a project or account ID as IMS lists it (32 hexadecimal digits), got "short"' },
    ]);
    expect((await issuesOf({ images: [IMAGES[0]], projects: ["short"] }, "addImageMembers"))[0]?.message).toBe(
      'must be a project ID (32 lower-case hexadecimal digits, such as 9c61004714024f9586705d090530f9fa), got "short"',
    );
  });

  it("one form for an ID: upper-case image, project and account IDs are refused when sharing, saying to write them in lower case", async () => {
    const issues = await issuesOf(
      { images: [IMAGES[0]!.toUpperCase()], projects: ["EDC89B490D7D4392898E19B2DEB34797"], domains: ["3A2D95404F964A6ABA78819BF8DDC1E3"] },
      "addImageMembers",
    );
    expect(issues.map((i) => i.path)).toEqual(["images[0]", "projects[0]", "domains[0]"]);
    for (const issue of issues) expect(issue.message).toMatch(/^must be an? .* lower-case .*, got ".*": write it in lower case$/);
  });

  it("removing takes a member as IMS lists it, upper case included (so a stray member can be removed); the image IDs stay lower case", async () => {
    const before = server.requests.length;
    await ims.deleteImageMembers({ images: [IMAGES[0]!], projects: ["EDC89B490D7D4392898E19B2DEB34797"] });
    expect(server.requests.length).toBe(before + 1);
    expect((await issuesOf({ images: [IMAGES[0]!.toUpperCase()], projects: ["edc89b490d7d4392898e19b2deb34797"] }))[0]?.message).toMatch(
      /write it in lower case$/,
    );
  });

  it("duplicates, pointing at the first occurrence (they are rejected, not silently removed)", async () => {
    const issues = await issuesOf({ images: [IMAGES[0], IMAGES[1], IMAGES[0]], projects: PROJECTS });
    expect(issues).toEqual([{ path: "images[2]", message: expect.stringMatching(/^duplicates images\[0\]/) }]);
  });

  it("elements that are not strings", async () => {
    const issues = await issuesOf({ images: [42, null, { id: IMAGES[0] }], projects: PROJECTS });
    expect(issues.map((i) => i.path)).toEqual(["images[0]", "images[1]", "images[2]"]);
    expect(issues[0]?.message).toBe("must be string, got integer 42");
  });

  it("unknown keys", async () => {
    const issues = await issuesOf({ images: IMAGES, projects: PROJECTS, imageIds: [] });
    expect(issues).toEqual([{ path: "imageIds", message: "is not a known field (expected images, projects, domains, organizations)" }]);
  });

  it.each([
    ["an account ID that is not 32 hex digits", { images: IMAGES, domains: ["x"] }, "domains[0]"],
    ["an organization that is neither a URN nor a bare ID", { images: IMAGES, organizations: ["acme"] }, "organizations[0]"],
    ["an empty member list beside another", { images: IMAGES, projects: PROJECTS, domains: [] }, "domains"],
    ["no member list at all", { images: IMAGES }, "projects"],
  ])("the member lists: %s", async (_what, body, path) => {
    const issues = await issuesOf(body);
    expect(issues.map((i) => i.path)).toEqual([path]);
  });

  it.each([
    ["accounts only", { images: IMAGES, domains: ["3a2d95404f964a6aba78819bf8ddc1e3"] }],
    [
      "organization URNs",
      {
        images: IMAGES,
        organizations: [
          "organizations::3a2d95404f964a6aba78819bf8ddc1e3:organization:o-wvntq58r3poyv180t5df1mdna4uwy9se",
          "organizations::3a2d95404f964a6aba78819bf8ddc1e3:root:o-wvntq58r3poyv180t5df1mdna4uwy9se/r-2boe19iobnhxzs4hq3ncsgph9uz5mrj5",
          "organizations::3a2d95404f964a6aba78819bf8ddc1e3:ou:o-wvntq58r3poyv180t5df1mdna4uwy9se/ou-5x1bvygwrplokk622i9gbn3f5ftfb2l9",
        ],
      },
    ],
    [
      "bare organization IDs (Huawei's delete example)",
      {
        images: IMAGES,
        organizations: ["o-wvntq58r3poyv180t5df1mdna4uwy9se", "r-2boe19iobnhxzs4hq3ncsgph9uz5mrj5", "ou-x29s62b1e4w3xasa39w8sg1hkmujqxqc"],
      },
    ],
  ])("lets %s through, to add and to delete", async (_what, body) => {
    await expect(ims.addImageMembers(body)).resolves.toMatchObject({ jobId: JOB_ID });
    await expect(ims.deleteImageMembers(body)).resolves.toMatchObject({ jobId: JOB_ID });
  });

  it("says what is wrong in the message itself", async () => {
    await expect(ims.deleteImageMembers({ images: [], projects: PROJECTS })).rejects.toThrow(
      "Invalid request body: images must not be empty",
    );
  });

  it("lets a valid body through", async () => {
    await expect(ims.deleteImageMembers({ images: IMAGES, projects: PROJECTS })).resolves.toEqual({
      jobId: JOB_ID,
      requestId: expect.any(String),
    });
  });
});

describe("job IDs are checked before sending", () => {
  it.each([
    ["", "must not be empty"],
    ["../../etc", "does not match"],
    ["a".repeat(129), "at most 128"],
  ])("%j", async (jobId, message) => {
    const before = server.requests.length;
    await expect(ims.getJobProgress(jobId)).rejects.toThrow(message);
    await expect(ims.waitForJob(jobId)).rejects.toBeInstanceOf(ImsValidationError);
    expect(server.requests.length).toBe(before);
  });

  it("getJob needs a project ID and says so", async () => {
    await expect(ims.getJob(JOB_ID)).rejects.toThrow(/projectId is required for showJob \(GET \/v1\/\{project_id\}\/jobs\/\{job_id\}\)/);
  });
});

describe("client options", () => {
  const errorOf = (options: unknown) => {
    try {
      createImsClient(options as never);
    } catch (error) {
      return error as ImsValidationError;
    }
    throw new Error("no error");
  };

  it("lists every problem at once", () => {
    const error = errorOf({ region: "Not A Region", projectId: "nope", auth: { accessKey: "", secretKey: 5 }, requestTimeoutMs: 0 });
    expect(error).toBeInstanceOf(ImsValidationError);
    expect(error.issues.map((i) => i.path)).toEqual(["region", "auth.accessKey", "auth.secretKey", "projectId", "requestTimeoutMs"]);
  });

  it("needs a region or an endpoint, and auth", () => {
    expect(errorOf({}).issues.map((i) => i.path)).toEqual(["region", "auth"]);
    expect(errorOf({ endpoint: "ftp://x", auth: { token: "t" } }).issues[0]?.path).toBe("endpoint");
  });

  it("never echoes a credential", () => {
    const error = errorOf({ region: "cn-north-4", auth: { accessKey: "AK", secretKey: "SK-VALUE-123", securityToken: "" } });
    expect(`${JSON.stringify(error)}${error.message}${String(error.stack)}`).not.toContain("SK-VALUE-123");
  });

  it("checks retry settings", () => {
    expect(() => createImsClient({ region: "cn-north-4", auth: { token: "t" }, retry: { attempts: 0 } })).toThrow(RangeError);
  });
});
