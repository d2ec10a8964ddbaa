// IAM's project listing on the fake (GET /v3/projects, on the same port as IMS), through the real
// client's region-only set-up: no projectId, iamEndpoint the fake. One project per region for
// tokens and AK/SK (no X-Project-Id sent); the tenant with a sub-project, whose name IAM matches
// exactly unless told to list sub-projects with their region, the several-matches refusal; the
// eight fields of Huawei's ProjectResult.
import { afterEach, describe, expect, it } from "vitest";
import type { ProjectList } from "../../generated/ims.js";
import { createImsClient, ImsProjectDiscoveryError } from "../../src/index.js";
import {
  createManualClock,
  LOCAL_AK_SK,
  LOCAL_CREDENTIALS,
  OWNER_DOMAIN,
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  startFakeIms,
  SUB_PROJECT,
  SUBPROJECT_DOMAIN,
  SUBPROJECT_REGION_PROJECT,
  SUBPROJECT_TOKEN,
  type FakeIms,
  type FakeImsOptions,
} from "../../src/fake/index.js";
import { forgetProjects } from "../../src/discovery.js";

let fake: FakeIms | undefined;
afterEach(() => fake?.close());

const REGION = "cn-north-4";
async function start(options: FakeImsOptions = {}): Promise<FakeIms> {
  // Projects found are kept per process, by credentials, IAM endpoint and region: a new fake may reuse a port.
  forgetProjects();
  fake = await startFakeIms({ clock: createManualClock(), ...options });
  return fake;
}
const client = (f: FakeIms, auth: { token: string } | { accessKey: string; secretKey: string }) =>
  createImsClient({ endpoint: f.url, iamEndpoint: f.url, region: REGION, auth });
const list = async (f: FakeIms, query: string, token = OWNER_TOKEN) => {
  const response = await fetch(`${f.url}/v3/projects${query}`, { headers: { "x-auth-token": token } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ProjectList };
};

describe("region-only set-up against the fake's IAM", () => {
  it.each([
    ["the owner's token", { token: OWNER_TOKEN }, OWNER_PROJECT],
    ["the recipient's token", { token: RECIPIENT_TOKEN }, RECIPIENT_PROJECT],
  ])("%s finds its one project of the region", async (_name, auth, expected) => {
    const f = await start();
    const ims = client(f, auth);
    expect(await ims.resolveProjectId()).toBe(expected);
    expect(f.requests.map((r) => `${r.operation} ${r.path}`)).toEqual([`keystoneListProjects /v3/projects?name=${REGION}`]);
  });

  it("AK/SK (signatures verified) asks without X-Project-Id, as the account the access key maps to, then calls IMS in that project", async () => {
    const f = await start({ credentials: LOCAL_CREDENTIALS, accessKeys: { [LOCAL_AK_SK.accessKey]: RECIPIENT_PROJECT } });
    const ims = client(f, { ...LOCAL_AK_SK });
    expect(await ims.getImageQuota()).toMatchObject({ used: 0 });
    expect(f.requests.map((r) => [r.operation, r.status, r.project])).toEqual([
      ["keystoneListProjects", 200, RECIPIENT_PROJECT],
      ["showImageQuota", 200, RECIPIENT_PROJECT],
    ]);
  });

  it("the tenant with a sub-project: IAM matches the region's name exactly, so its own project is the one found", async () => {
    const f = await start();
    expect(await client(f, { token: SUBPROJECT_TOKEN }).resolveProjectId()).toBe(SUBPROJECT_REGION_PROJECT);
    expect((await list(f, `?name=${REGION}_sub`, SUBPROJECT_TOKEN)).body.projects.map((p) => [p.id, p.parent_id])).toEqual([
      [SUB_PROJECT, SUBPROJECT_REGION_PROJECT],
    ]);
  });

  it("several matches (sub-projects listed with their region) is ImsProjectDiscoveryError naming every candidate", async () => {
    const f = await start({ subProjectsMatchRegion: true });
    const error = await client(f, { token: SUBPROJECT_TOKEN })
      .resolveProjectId()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsProjectDiscoveryError);
    const discovery = error as ImsProjectDiscoveryError;
    expect(discovery.region).toBe(REGION);
    expect(discovery.candidates).toEqual([
      { id: SUBPROJECT_REGION_PROJECT, name: REGION, parentId: SUBPROJECT_DOMAIN },
      { id: SUB_PROJECT, name: `${REGION}_sub`, parentId: SUBPROJECT_REGION_PROJECT },
    ]);
    expect(discovery.message).toContain(SUB_PROJECT);
    // The other tenants have no sub-project: still one match.
    expect(await client(f, { token: OWNER_TOKEN }).resolveProjectId()).toBe(OWNER_PROJECT);
  });

  it("a region the account has no project in is ImsProjectDiscoveryError with no candidates", async () => {
    const f = await start();
    const ims = createImsClient({ endpoint: f.url, iamEndpoint: f.url, region: "eu-west-101", auth: { token: OWNER_TOKEN } });
    await expect(ims.resolveProjectId()).rejects.toMatchObject({ name: "ImsProjectDiscoveryError", candidates: [] });
  });
});

describe("GET /v3/projects", () => {
  it("answers Huawei's ProjectResult with all eight fields, links, and X-IAM-Trace-Id", async () => {
    const f = await start();
    const { status, headers, body } = await list(f, `?name=${REGION}`);
    expect(status).toBe(200);
    expect(headers.get("x-iam-trace-id")).toMatch(/^[0-9a-f]{32}$/);
    expect(body).toEqual({
      projects: [
        {
          id: OWNER_PROJECT,
          name: REGION,
          domain_id: OWNER_DOMAIN,
          parent_id: OWNER_DOMAIN,
          enabled: true,
          is_domain: false,
          description: "",
          links: { self: `${f.url}/v3/projects/${OWNER_PROJECT}`, previous: null, next: null },
        },
      ],
      links: { self: `${f.url}/v3/projects?name=${REGION}`, previous: null, next: null },
    });
  });

  it("filters by parent_id and pages with page/per_page", async () => {
    const f = await start();
    const all = await list(f, "", SUBPROJECT_TOKEN);
    expect(all.body.projects.map((p) => p.id)).toEqual([SUBPROJECT_REGION_PROJECT, SUB_PROJECT]);
    expect((await list(f, `?parent_id=${SUBPROJECT_REGION_PROJECT}`, SUBPROJECT_TOKEN)).body.projects.map((p) => p.id)).toEqual([
      SUB_PROJECT,
    ]);
    expect((await list(f, "?page=2&per_page=1", SUBPROJECT_TOKEN)).body.projects.map((p) => p.id)).toEqual([SUB_PROJECT]);
    expect((await list(f, "?enabled=false", SUBPROJECT_TOKEN)).body.projects).toEqual([]);
  });

  it("needs credentials, and exposes each tenant's project per region", async () => {
    const f = await start({ tenants: [{ name: "extra", domainId: "1".repeat(32), projects: { [REGION]: "2".repeat(32) } }] });
    expect((await fetch(`${f.url}/v3/projects`)).status).toBe(401);
    expect(f.tenants.map((t) => [t.name, t.projects[REGION]])).toEqual([
      ["owner", OWNER_PROJECT],
      ["recipient", RECIPIENT_PROJECT],
      ["example", expect.stringMatching(/^[0-9a-f]{32}$/)],
      ["foreign", expect.stringMatching(/^[0-9a-f]{32}$/)],
      ["subprojects", SUBPROJECT_REGION_PROJECT],
      ["extra", "2".repeat(32)],
    ]);
    expect(f.tokens).toEqual({
      [OWNER_TOKEN]: OWNER_PROJECT,
      [RECIPIENT_TOKEN]: RECIPIENT_PROJECT,
      [SUBPROJECT_TOKEN]: SUBPROJECT_REGION_PROJECT,
    });
    expect((await list(f, "", "fake-extra-token")).body.projects.map((p) => p.id)).toEqual([OWNER_PROJECT]); // an unknown token is the owner
  });
});
