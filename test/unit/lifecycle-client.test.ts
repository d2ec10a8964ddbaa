// The lifecycle methods against a scripted server: each sends what the spec's operation says
// (method, path, query, body), pages until the last page, and refuses a paging loop.
import { afterEach, describe, expect, it } from "vitest";
import { createImsClient, ImsResponseError, ImsValidationError } from "../../src/index.js";
import { FAST_POLL, IMAGES, JOB_ID, PROJECT_ID, PROJECTS } from "../helpers/fixtures.js";
import { startScriptedServer, type Handler, type ScriptedServer } from "../helpers/scripted-server.js";

let server: ScriptedServer;
// Not every test starts a server.
afterEach(() => (server as ScriptedServer | undefined)?.close());
const IMAGE = IMAGES[0]!;

async function start(handler: Handler, { projectId }: { projectId?: string | undefined } = { projectId: PROJECT_ID }) {
  server = await startScriptedServer(handler);
  return createImsClient({ endpoint: server.url, projectId, auth: { token: "t" }, poll: FAST_POLL, retry: false });
}
const member = (id: string, status = "accepted") => ({ member_id: id, status, image_id: IMAGE, schema: "/v2/schemas/member" });
const sent = () => server.requests.map((r) => `${r.method} ${r.path}${r.body.length ? ` ${r.body.toString()}` : ""}`);

describe("writes", () => {
  const jobs: Handler = (r) =>
    r.method === "GET"
      ? { body: { job_id: JOB_ID, status: "SUCCESS", entities: { results: [{ image_id: IMAGE, status: "success" }] } } }
      : { body: { job_id: JOB_ID } };

  it("shareImages POSTs the body once and waits for the job", async () => {
    const ims = await start(jobs);
    await expect(
      ims.shareImages({ images: [IMAGE], projects: [PROJECTS[0]!], domains: ["3a2d95404f964a6aba78819bf8ddc1e3"] }),
    ).resolves.toMatchObject({ status: "SUCCESS" });
    expect(sent()).toEqual([
      `POST /v1/cloudimages/members {"images":["${IMAGE}"],"projects":["${PROJECTS[0]}"],"domains":["3a2d95404f964a6aba78819bf8ddc1e3"]}`,
      `GET /v1/${PROJECT_ID}/jobs/${JOB_ID}`,
    ]);
  });

  it("acceptImages and rejectImages PUT the client's own project, with the vault when given", async () => {
    const ims = await start(jobs);
    await ims.acceptImages([IMAGE], { vaultId: "d14r5tef-1bc3-4c4f-823e-3e471rg65e65" });
    await ims.rejectImages([IMAGE]);
    expect(sent().filter((s) => s.startsWith("PUT"))).toEqual([
      `PUT /v1/cloudimages/members {"images":["${IMAGE}"],"project_id":"${PROJECT_ID}","status":"accepted","vault_id":"d14r5tef-1bc3-4c4f-823e-3e471rg65e65"}`,
      `PUT /v1/cloudimages/members {"images":["${IMAGE}"],"project_id":"${PROJECT_ID}","status":"rejected"}`,
    ]);
  });

  it("accepting needs the recipient's project ID, and says so before sending", async () => {
    const ims = await start(jobs, {});
    await expect(ims.acceptImages([IMAGE])).rejects.toThrow(
      /projectId is required to accept images \(or a region, to find it through IAM\): it is the recipient project/,
    );
    await expect(ims.updateImageMembers({ images: [IMAGE], project_id: PROJECT_ID, status: "pending" as never })).rejects.toBeInstanceOf(
      ImsValidationError,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe("member listings", () => {
  it("walk every page by next_marker", async () => {
    const pages = [
      { members: [member(PROJECTS[0]!)], page_info: { next_marker: "bWFya2VyLTE=", current_count: 1 } },
      { members: [member(PROJECTS[1]!, "pending")], page_info: { next_marker: "bWFya2VyLTI=", current_count: 1 } },
      { members: [], page_info: { next_marker: "", current_count: 0 } },
    ];
    const ims = await start((_r, i) => ({ body: pages[i] }));
    const ids: string[] = [];
    for await (const m of ims.listImageMembers(IMAGE, { limit: 1 })) ids.push(`${m.member_id}:${m.status}`);
    expect(ids).toEqual([`${PROJECTS[0]}:accepted`, `${PROJECTS[1]}:pending`]);
    expect(server.requests.map((r) => r.path)).toEqual([
      `/v1/${PROJECT_ID}/cloudimages/${IMAGE}/members?limit=1`,
      `/v1/${PROJECT_ID}/cloudimages/${IMAGE}/members?limit=1&marker=bWFya2VyLTE%3D`,
      `/v1/${PROJECT_ID}/cloudimages/${IMAGE}/members?limit=1&marker=bWFya2VyLTI%3D`,
    ]);
  });

  it("an answer without page_info (older regions) is one page", async () => {
    const ims = await start(() => ({ body: { members: [member(PROJECTS[0]!)], schema: "/v2/schemas/members" } }));
    const all = [];
    for await (const m of ims.listImageMembers(IMAGE)) all.push(m);
    expect(all).toHaveLength(1);
    await expect(ims.listImageMembersPage(IMAGE)).resolves.toEqual({ members: [member(PROJECTS[0]!)] });
  });

  it("a marker that comes back is a paging loop, refused at once", async () => {
    const ims = await start(() => ({ body: { members: [member(PROJECTS[0]!)], page_info: { next_marker: "c2FtZQ==" } } }));
    const walk = async () => {
      for await (const m of ims.listImageMembers(IMAGE)) expect(m.member_id).toBe(PROJECTS[0]);
    };
    await expect(walk()).rejects.toThrow(ImsResponseError);
    await expect(walk()).rejects.toThrow(/twice: the server's paging loops/);
  });

  it("getImageMember reads one member; listImageMembersPage hands back the next marker", async () => {
    const ims = await start((r) =>
      r.path.endsWith(`/members/${PROJECTS[0]}`)
        ? { body: member(PROJECTS[0]!) }
        : { body: { members: [], page_info: { next_marker: "bmV4dA==" } } },
    );
    await expect(ims.getImageMember(IMAGE, PROJECTS[0]!)).resolves.toMatchObject({ member_id: PROJECTS[0], status: "accepted" });
    await expect(ims.listImageMembersPage(IMAGE, { marker: "Zmlyc3Q=" })).resolves.toEqual({ members: [], nextMarker: "bmV4dA==" });
  });
});

describe("images shared with me", () => {
  it("send the sharing filters and page by the last image's ID until a short page", async () => {
    const image = (id: string) => ({ id, name: "golden", owner: PROJECTS[0], __imagetype: "shared", visibility: "shared" });
    const ims = await start((_r, i) => ({
      body: { images: i === 0 ? [image(IMAGES[0]!), image(IMAGES[1]!)] : [image("5c4e7a4e-9d9e-4b0b-9d0e-2f8f0a7c1b3d")] },
    }));
    const ids: string[] = [];
    for await (const img of ims.listSharedImages({ memberStatus: "pending", owner: PROJECTS[0], limit: 2 })) ids.push(img.id);
    expect(ids).toEqual([IMAGES[0], IMAGES[1], "5c4e7a4e-9d9e-4b0b-9d0e-2f8f0a7c1b3d"]);
    expect(server.requests.map((r) => r.path)).toEqual([
      `/v2/cloudimages?__imagetype=shared&visibility=shared&member_status=pending&owner=${PROJECTS[0]}&limit=2`,
      `/v2/cloudimages?__imagetype=shared&visibility=shared&member_status=pending&owner=${PROJECTS[0]}&limit=2&marker=${IMAGES[1]}`,
    ]);
  });

  it("refuses a filter the spec does not allow, before sending", async () => {
    const ims = await start(() => ({ body: { images: [] } }));
    const walk = async () => {
      for await (const i of ims.listSharedImages({ memberStatus: "maybe" as never })) expect(i).toBeUndefined();
    };
    await expect(walk()).rejects.toThrow(/member_status must be one of "pending", "accepted", "rejected"/);
    expect(server.requests).toHaveLength(0);
  });
});
