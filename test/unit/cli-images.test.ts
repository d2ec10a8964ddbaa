// The commands of issue 18, in-process against a scripted IMS and IAM on 127.0.0.1 (one real
// HTTP server answering both, recording every request): the project found through IAM when
// --project-id is not given (and which IAM endpoint is asked: the flag's over the variable's),
// `project`, `images list` and its filters, `images copy` with and without --wait, `images
// delete` and its confirmation, `quota`, and `members accept --pin`. The copy's printed hint is
// run as printed (the built binary, from `npm run build`).
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { forgetProjects } from "../../src/discovery.js";
import { EXIT } from "../../src/cli/main.js";
import { cli, outputs, runAsPrinted, SECRET_TOKEN } from "../helpers/cli.js";
import { startScriptedServer, type Recorded, type Reply, type ScriptedServer } from "../helpers/scripted-server.js";

const PROJECT = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const SUB_PROJECT = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const OWNER = "5f1e0c3a9d2b4e6f8a7c1b3d5e7f9a0b";
const SOURCE = "d164b5df-1bc3-4c3f-893e-3e471fd16e64";
const MINE = "3b0c6a52-7f1e-4d2a-9c8b-1e2f3a4b5c6d";
const REGION = "cn-north-4";

interface Image {
  id: string;
  name: string;
  __imagetype: string;
  status: string;
  owner: string;
  visibility: string;
}

/** What the scripted server holds: images, the quota, the jobs it ran (each done at once). */
interface World {
  images: Image[];
  quota: { used: number; quota: number };
  jobs: Map<string, { job_id: string; job_type: string; status: "SUCCESS"; entities: Record<string, unknown> }>;
  /** Projects IAM lists for the region, by token. */
  projects: Record<string, { id: string; name: string; parent_id?: string }[]>;
}

let world: World;
let server: ScriptedServer;
let jobs = 0;

const jobId = () => (++jobs).toString(16).padStart(32, "0");
const imageId = (n: number) => `aaaaaaaa-bbbb-4ccc-8ddd-${n.toString(16).padStart(12, "0")}`;

/** IMS's and IAM's answers, as the spec shapes them. */
function answer(request: Recorded): Reply {
  const url = new URL(request.path, "http://x");
  const token = String(request.headers["x-auth-token"] ?? "");
  const body = request.body.length ? (JSON.parse(request.body.toString()) as Record<string, unknown>) : {};
  const path = url.pathname;
  if (request.method === "GET" && path === "/v3/projects") {
    const listed = url.searchParams.get("name") === REGION ? (world.projects[token] ?? world.projects.default ?? []) : [];
    return { body: { projects: listed.map((p) => ({ domain_id: OWNER, enabled: true, parent_id: OWNER, ...p })) } };
  }
  if (request.method === "GET" && path === "/v2/cloudimages") {
    const filters: Record<string, string | null> = {
      __imagetype: url.searchParams.get("__imagetype"),
      status: url.searchParams.get("status"),
      name: url.searchParams.get("name"),
      id: url.searchParams.get("id"),
      visibility: url.searchParams.get("visibility"),
    };
    const images = world.images.filter((i) => Object.entries(filters).every(([k, v]) => v === null || i[k as keyof Image] === v));
    return { body: { images } };
  }
  const copy = /^\/v1\/cloudimages\/([^/]+)\/copy$/.exec(path);
  if (request.method === "POST" && copy) {
    const id = imageId(world.images.length + 1);
    world.images.push({ id, name: String(body.name), __imagetype: "private", status: "active", owner: PROJECT, visibility: "private" });
    world.quota.used++;
    const job = jobId();
    world.jobs.set(job, { job_id: job, job_type: "imsCopyImageInRegionJob", status: "SUCCESS", entities: { image_id: id } });
    return { body: { job_id: job } };
  }
  if (request.method === "PUT" && path === "/v1/cloudimages/members") {
    const job = jobId();
    world.jobs.set(job, { job_id: job, job_type: "imsUpdateImageMembersJob", status: "SUCCESS", entities: {} });
    return { body: { job_id: job } };
  }
  const job = /^\/v1\/(?:[0-9a-f]{32}\/jobs|cloudimages\/job)\/(\w+)$/.exec(path);
  if (request.method === "GET" && job) {
    const found = world.jobs.get(job[1] ?? "");
    return found ? { body: found } : { status: 404, body: { error: { code: "IMG.0023", message: "no such job" } } };
  }
  if (request.method === "GET" && path === "/v1/cloudimages/quota") {
    return { body: { quotas: { resources: [{ type: "image", used: world.quota.used, quota: world.quota.quota, min: 1, max: 100 }] } } };
  }
  const image = /^\/v2\/images\/([^/]+)$/.exec(path);
  if (request.method === "DELETE" && image) {
    const at = world.images.findIndex((i) => i.id === image[1]);
    if (at < 0) return { status: 404, body: { error: { code: "IMG.0027", message: "no such image" } } };
    world.images.splice(at, 1);
    return { status: 204 };
  }
  return { status: 404, body: { error: { code: "IMG.0001", message: `no route for ${request.method} ${path}` } } };
}

beforeEach(async () => {
  forgetProjects();
  world = {
    images: [
      { id: SOURCE, name: "web-base", __imagetype: "shared", status: "active", owner: OWNER, visibility: "shared" },
      { id: MINE, name: "mine", __imagetype: "private", status: "active", owner: PROJECT, visibility: "private" },
    ],
    quota: { used: 1, quota: 10 },
    jobs: new Map(),
    projects: { default: [{ id: PROJECT, name: REGION }] },
  };
  server = await startScriptedServer(answer);
});
afterEach(() => server.close());
afterAll(() => {
  for (const output of outputs) expect(output).not.toContain(SECRET_TOKEN);
});

/** IMS at the scripted server, its project found through IAM there (the flags, no --project-id). */
const found = () => ["--endpoint", server.url, "--region", REGION, "--iam-endpoint", server.url];
const iamRequests = () => server.requests.filter((r) => r.path.startsWith("/v3/projects"));
const projectHeader = (r: Recorded) => r.headers["x-project-id"];

describe("the project, when --project-id is not given", () => {
  it("is found through IAM for the region, once, and used in project-scoped paths", async () => {
    const result = await cli(["members", "list", "--image", MINE, ...found()]);
    // The member listing itself is not scripted (404): what matters is the path it was sent to.
    expect(iamRequests().map((r) => r.path)).toEqual([`/v3/projects?name=${REGION}`]);
    expect(server.requests.at(-1)?.path).toBe(`/v1/${PROJECT}/cloudimages/${MINE}/members`);
    expect(result.code).toBe(EXIT.api);
  });

  it("project says which and how: the flag, the variable, or IAM (region and endpoint), in text and JSON", async () => {
    const viaIam = await cli(["project", ...found()]);
    expect(viaIam.stdout).toBe(`project ${PROJECT} (found through IAM: the project of region ${REGION}, at ${server.url})\n`);
    const json = await cli(["project", ...found(), "--json"]);
    expect(json.events).toEqual([{ event: "project", projectId: PROJECT, source: "iam", region: REGION, iamEndpoint: server.url }]);
    const flag = await cli(["project", ...found(), "--project-id", SUB_PROJECT]);
    expect(flag.stdout).toBe(`project ${SUB_PROJECT} (given by --project-id)\n`);
    const env = await cli(["project", "--endpoint", server.url, "--json"], { env: { HUAWEICLOUD_SDK_PROJECT_ID: SUB_PROJECT } });
    expect(env.events).toEqual([{ event: "project", projectId: SUB_PROJECT, source: "env", region: null, iamEndpoint: null }]);
    expect(iamRequests()).toHaveLength(1); // found once, then remembered; given ones ask nothing
  });

  it("asks the --iam-endpoint of the flag over HUAWEICLOUD_SDK_IAM_ENDPOINT", async () => {
    const other = await startScriptedServer(() => ({ status: 500, body: "the variable's IAM must not be asked" }));
    try {
      const env = { HUAWEICLOUD_SDK_IAM_ENDPOINT: other.url };
      const flag = await cli(["project", ...found()], { env });
      expect(flag.stdout).toContain(`project ${PROJECT} (found through IAM: the project of region ${REGION}, at ${server.url})`);
      expect(other.requests).toHaveLength(0);
      forgetProjects();
      const variable = await cli(["project", "--endpoint", server.url, "--region", REGION], {
        env: { HUAWEICLOUD_SDK_IAM_ENDPOINT: server.url },
      });
      expect(variable.stdout).toContain(`at ${server.url})`);
      expect(iamRequests()).toHaveLength(2);
    } finally {
      await other.close();
    }
  });

  it("takes IMS_ENDPOINT, HUAWEICLOUD_SDK_REGION and HUAWEICLOUD_SDK_IAM_ENDPOINT together from the environment", async () => {
    const env = { IMS_ENDPOINT: server.url, HUAWEICLOUD_SDK_REGION: REGION, HUAWEICLOUD_SDK_IAM_ENDPOINT: server.url };
    const result = await cli(["project"], { env });
    expect(result.stdout).toBe(`project ${PROJECT} (found through IAM: the project of region ${REGION}, at ${server.url})\n`);
    // Without IAM's endpoint, an endpoint and a region are still refused together, and say what would make them meaningful.
    const refused = await cli(["project"], { env: { IMS_ENDPOINT: server.url, HUAWEICLOUD_SDK_REGION: REGION } });
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toMatch(
      /IMS_ENDPOINT and HUAWEICLOUD_SDK_REGION are both set.*with --iam-endpoint, or HUAWEICLOUD_SDK_IAM_ENDPOINT/,
    );
  });

  it("with --endpoint and no IAM endpoint: a usage error naming the flags, before anything is sent", async () => {
    const result = await cli(["members", "accept", "--image", SOURCE, "--endpoint", server.url]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(
      "with --endpoint, IAM's endpoint is not known: give --project-id (or HUAWEICLOUD_SDK_PROJECT_ID), or --iam-endpoint " +
        "(or HUAWEICLOUD_SDK_IAM_ENDPOINT) and --region to find it through IAM",
    );
    const noRegion = await cli(["project", "--endpoint", server.url, "--iam-endpoint", server.url]);
    expect(noRegion.code).toBe(EXIT.usage);
    expect(noRegion.stderr).toMatch(/the project is found through IAM for --region .*which is not given/);
    expect(server.requests).toHaveLength(0);
  });

  it("several projects for the region (a sub-project): exit 2, naming them and --project-id", async () => {
    world.projects.default = [
      { id: PROJECT, name: REGION },
      { id: SUB_PROJECT, name: REGION, parent_id: PROJECT },
    ];
    const result = await cli(["project", ...found()]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(`Several projects named "${REGION}" (${PROJECT} (${REGION}, under ${OWNER}), ${SUB_PROJECT}`);
    expect(result.stderr).toContain("give --project-id to say which");
  });

  it("with AK/SK, every IMS call carries the project found (X-Project-Id)", async () => {
    const result = await cli(["quota", ...found()], {
      env: { IMS_TOKEN: "", HUAWEICLOUD_SDK_AK: "AKFOUND", HUAWEICLOUD_SDK_SK: "sk-found" },
    });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const quota = server.requests.find((r) => r.path === "/v1/cloudimages/quota");
    expect(quota && projectHeader(quota)).toBe(PROJECT);
    expect(projectHeader(iamRequests()[0]!)).toBeUndefined();
  });
});

describe("images list", () => {
  it("sends the filters as IMS names them and lists what matches", async () => {
    const result = await cli(["images", "list", "--type", "private", "--status", "active", "--name", "mine", ...found()]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(`${MINE}\tmine\tprivate\tactive\t${PROJECT}\t\t\n`);
    const query = new URL(server.requests.at(-1)!.path, "http://x").searchParams;
    expect(Object.fromEntries(query)).toMatchObject({ __imagetype: "private", status: "active", name: "mine" });
  });

  it("--type shared is the recipient's view: visibility=shared too, as the spec's preset says", async () => {
    const result = await cli(["images", "list", "--type", "shared", "--json", ...found()]);
    expect(result.events.map((e) => [e.event, (e.image as Image).id])).toEqual([["listed", SOURCE]]);
    const query = new URL(server.requests.at(-1)!.path, "http://x").searchParams;
    expect(query.get("visibility")).toBe("shared");
  });

  it("refuses a type or status the spec does not list, naming the allowed ones, before anything is sent", async () => {
    const type = await cli(["images", "list", "--type", "mine", ...found()]);
    expect(type.code).toBe(EXIT.usage);
    expect(type.stderr).toContain('--type: "mine" is not one of gold, private, shared, market');
    const status = await cli(["images", "list", "--status", "ready", ...found()]);
    expect(status.stderr).toContain('--status: "ready" is not one of queued, saving, deleted, killed, active');
    expect(server.requests).toHaveLength(0);
  });
});

describe("images copy", () => {
  it("without --wait: prints the job and a command that follows it, which prints the new image when run as printed", async () => {
    const result = await cli(["images", "copy", "--image", SOURCE, "--name", "web-base-copy", ...found()]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const [, job, hint] = /^accepted: job (\w{32})\nfollow it with: (.+)$/m.exec(result.stdout) ?? [];
    expect(hint).toBe(`ims-sharing job wait ${job} --endpoint ${server.url} --region ${REGION} --iam-endpoint ${server.url}`);
    const copy = server.requests.find((r) => r.method === "POST");
    expect(JSON.parse(copy!.body.toString())).toEqual({ name: "web-base-copy" });
    const resumed = await runAsPrinted(hint!, { IMS_TOKEN: SECRET_TOKEN });
    expect(resumed.stderr).toBe("");
    expect(resumed.stdout).toMatch(new RegExp(`job ${job} succeeded\\nnew image: ${imageId(3)}\\n$`));
  });

  it("with --wait: the job, then the new image's ID (copied event with --json)", async () => {
    const text = await cli(["images", "copy", "--image", SOURCE, "--name", "pin", "--description", "kept", "--wait", ...found()]);
    expect(text.stdout).toMatch(new RegExp(`^accepted: job \\w{32}\\n[\\s\\S]*succeeded\\nnew image: ${imageId(3)}\\n$`));
    const json = await cli(["images", "copy", "--image", SOURCE, "--name", "pin2", "--wait", "--json", ...found()]);
    expect(json.events.at(-1)).toEqual({ event: "copied", jobId: expect.stringMatching(/^\w{32}$/), imageId: imageId(4) });
  });

  it("needs --name, and an image ID", async () => {
    expect((await cli(["images", "copy", "--image", SOURCE, ...found()])).stderr).toContain('"images copy" needs --name');
    const bad = await cli(["images", "copy", "--image", "web-base", "--name", "x", ...found()]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/invalid input: image_id must be an image ID .*got "web-base"/);
  });
});

describe("images delete", () => {
  it("without a terminal to ask on, refuses without --yes (exit 2, naming it) and sends nothing", async () => {
    const result = await cli(["images", "delete", "--image", MINE, ...found()]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(`deleting image ${MINE} cannot be undone: pass --yes`);
    expect(server.requests.filter((r) => r.method === "DELETE")).toHaveLength(0);
  });

  it("on a terminal, asks (naming the image) and deletes only on yes; --yes deletes without asking", async () => {
    const questions: string[] = [];
    const no = await cli(["images", "delete", "--image", MINE, ...found()], {
      confirm: (q) => (questions.push(q), Promise.resolve(false)),
    });
    expect(no.code).toBe(EXIT.cancelled);
    expect(questions).toEqual([`Delete image ${MINE} (mine, private, active)? It cannot be undone. Type yes to delete it: `]);
    expect(world.images.map((i) => i.id)).toContain(MINE);
    const yes = await cli(["images", "delete", "--image", MINE, ...found()], { confirm: () => Promise.resolve(true) });
    expect(yes.stdout, yes.stderr).toBe(`deleted image ${MINE}\n`);
    world.images.push({ id: MINE, name: "mine", __imagetype: "private", status: "active", owner: PROJECT, visibility: "private" });
    const flag = await cli(["images", "delete", "--image", MINE, "--yes", "--json", ...found()]);
    expect(flag.events).toEqual([{ event: "deleted", imageId: MINE }]);
    expect(world.images.map((i) => i.id)).not.toContain(MINE);
  });
});

describe("quota", () => {
  it("prints used and allowed private images; --json the numbers", async () => {
    const text = await cli(["quota", ...found()]);
    expect(text.stdout).toBe("private images: 1 used of 10 (9 left)\n");
    const json = await cli(["quota", "--json", ...found()]);
    expect(json.events).toEqual([{ event: "quota", used: 1, quota: 10 }]);
  });
});

describe("members accept --pin", () => {
  it("accepts, then copies each image under the name its placeholders make, printing each pin's copy", async () => {
    const result = await cli(["members", "accept", "--image", SOURCE, "--pin", "{name}-{id}", "--wait", ...found()]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const copy = server.requests.find((r) => r.method === "POST");
    expect(JSON.parse(copy!.body.toString())).toMatchObject({ name: `web-base-${SOURCE}` });
    const put = server.requests.find((r) => r.method === "PUT");
    expect(JSON.parse(put!.body.toString())).toEqual({ images: [SOURCE], project_id: PROJECT, status: "accepted" });
    expect(result.stdout).toMatch(/^accepted: job \w{32}$/m);
    expect(result.stdout).toMatch(/^copying: job \w{32}$/m);
    expect(result.stdout).toMatch(new RegExp(`^pinned ${SOURCE} as ${imageId(3)} \\("web-base-${SOURCE}", job \\w{32}\\)$`, "m"));
  });

  it("--json: a pinned event per image", async () => {
    const result = await cli(["members", "accept", "--image", SOURCE, "--pin", "{name}-kept", "--wait", "--json", ...found()]);
    expect(result.events.filter((e) => e.event === "pinned")).toEqual([
      { event: "pinned", image: SOURCE, copy: imageId(3), name: "web-base-kept", jobId: expect.stringMatching(/^\w{32}$/) },
    ]);
  });

  it("refuses before sending anything when the quota would be exceeded, saying so", async () => {
    world.quota = { used: 10, quota: 10 };
    const result = await cli(["members", "accept", "--image", SOURCE, "--pin", "{name}-pinned", "--wait", ...found()]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(
      "--pin refused before sending anything: it would make 1 private image, and 10 of the project's 10 are used",
    );
    expect(server.requests.filter((r) => r.method !== "GET")).toHaveLength(0);
  });

  it("needs --wait: the copies are made once the accept has succeeded", async () => {
    const result = await cli(["members", "accept", "--image", SOURCE, "--pin", "{name}", ...found()]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("--pin needs --wait");
    expect(server.requests.filter((r) => r.method !== "GET")).toHaveLength(0);
  });
});
