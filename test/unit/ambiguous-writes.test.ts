// A write whose connection drops after the request was sent: the change may or may not have
// happened. The raw calls say so (and how to check); the waiting helpers resolve it by sending
// again and, when the repeat's job fails, by reading the state back. Real servers throughout:
// one that reads the body and closes the socket, and the fake IMS, which can make the change and
// then close the connection without answering (`dropAnswer`).
import { afterEach, describe, expect, it } from "vitest";
import { createImsClient, ImsJobFailedError, ImsNetworkError, type ImsClient } from "../../src/index.js";
import {
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  SEED_IMAGES,
  startFakeIms,
  type FakeIms,
} from "../../src/fake/index.js";
import { IMAGES, PROJECTS } from "../helpers/fixtures.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const FAST = { poll: { initialDelayMs: 5, growth: 0, maxDelayMs: 10 }, retry: { attempts: 3, baseDelayMs: 1 } } as const;
let server: ScriptedServer | undefined;
let fake: FakeIms | undefined;
afterEach(async () => {
  await server?.close();
  await fake?.close();
  server = fake = undefined;
});

describe("the raw calls: a connection dropped after the request was sent", () => {
  const writes: Array<[string, (ims: ImsClient) => Promise<unknown>, RegExp]> = [
    [
      "addImageMembers",
      (ims) => ims.addImageMembers({ images: [IMAGES[0]!], projects: [PROJECTS[0]!] }),
      new RegExp(`list the members of image ${IMAGES[0]} \\(ims-sharing members list --image ${IMAGES[0]}\\)$`),
    ],
    [
      "deleteImageMembers",
      (ims) => ims.deleteImageMembers({ images: [...IMAGES], projects: [PROJECTS[0]!] }),
      /list the members of images \S+, \S+ \(ims-sharing members list --image \S+; ims-sharing members list --image \S+\)$/,
    ],
    [
      "updateImageMembers",
      (ims) => ims.updateImageMembers({ images: [IMAGES[0]!], project_id: PROJECTS[1]!, status: "accepted" }),
      /see how the images stand for your project \(ims-sharing images shared --status accepted\)$/,
    ],
  ];
  it.each(writes)("%s rejects once, saying the change may have reached IMS and how to check", async (_name, send, check) => {
    server = await startScriptedServer(() => ({ destroy: true }));
    const ims = createImsClient({ endpoint: server.url, projectId: PROJECTS[1], auth: { token: "t" }, ...FAST });
    const error = await send(ims).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsNetworkError);
    expect(error).toMatchObject({ mayHaveTakenEffect: true });
    expect((error as Error).message).toMatch(/failed after the request was sent \(.*\): the change may or may not have reached IMS; /);
    expect((error as Error).message).toMatch(check);
    // Never sent again by the transport: a write is not repeated behind the caller's back.
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body.length).toBeGreaterThan(0);
  });
});

describe("the waiting helpers settle an unknown outcome", () => {
  async function start() {
    fake = await startFakeIms({ jobDurationMs: 30 });
    const owner = createImsClient({ endpoint: fake.url, projectId: OWNER_PROJECT, auth: { token: OWNER_TOKEN }, ...FAST });
    const recipient = createImsClient({ endpoint: fake.url, projectId: RECIPIENT_PROJECT, auth: { token: RECIPIENT_TOKEN }, ...FAST });
    return { fake, owner, recipient };
  }
  const writes = (f: FakeIms, method: string) => f.requests.filter((r) => r.method === method && r.path === "/v1/cloudimages/members");

  it("unshareImages: the first request removed the member and its answer was lost; the repeat's job fails (not a member), and the read-back says done", async () => {
    const { fake, owner } = await start();
    fake.inject({ type: "dropAnswer", method: "DELETE", times: 1 });
    const job = await owner.unshareImages({ images: [SEED_IMAGES[0]], projects: [RECIPIENT_PROJECT] });
    expect(writes(fake, "DELETE").map((r) => r.status)).toEqual([0, 200]);
    expect(job.status).toBe("FAIL");
    expect(job.resolution).toEqual({
      by: "read-back",
      firstAttempt: expect.stringMatching(/failed after the request was sent .* may or may not have reached IMS/),
    });
    expect(fake.state.membersOf(SEED_IMAGES[0])).not.toContain(RECIPIENT_PROJECT);
  });

  it("shareImages: sent again, and the repeat's job succeeds: resolved as resent", async () => {
    const { fake, owner } = await start();
    fake.state.unshare(SEED_IMAGES[0], RECIPIENT_PROJECT);
    fake.inject({ type: "dropAnswer", method: "POST", times: 1 });
    const job = await owner.shareImages({ images: [SEED_IMAGES[0]], projects: [RECIPIENT_PROJECT] });
    expect(writes(fake, "POST").map((r) => r.status)).toEqual([0, 200]);
    expect(job).toMatchObject({ status: "SUCCESS", resolution: { by: "resent" } });
    expect(fake.state.memberStatus(SEED_IMAGES[0], RECIPIENT_PROJECT)).toBe("pending");
  });

  it("acceptImages and rejectImages: sent again, settled, the answer holds", async () => {
    const { fake, owner, recipient } = await start();
    fake.state.share(SEED_IMAGES[0], RECIPIENT_PROJECT, "pending");
    fake.inject({ type: "dropAnswer", method: "PUT", times: 1 });
    expect(await recipient.acceptImages([SEED_IMAGES[0]])).toMatchObject({ status: "SUCCESS", resolution: { by: "resent" } });
    fake.inject({ type: "dropAnswer", method: "PUT", times: 1 });
    expect(await recipient.rejectImages([SEED_IMAGES[0]])).toMatchObject({ status: "SUCCESS", resolution: { by: "resent" } });
    expect(writes(fake, "PUT").map((r) => r.status)).toEqual([0, 200, 0, 200]);
    expect((await owner.getImageMember(SEED_IMAGES[0], RECIPIENT_PROJECT)).status).toBe("rejected");
  });

  it("when the read-back does not find the wanted state, the repeat's failure rejects, saying what was tried and found", async () => {
    const { fake, owner } = await start();
    // The first DELETE is dropped before the fake handles it (nothing changed), and the repeat is
    // made to fail: the member is still there.
    fake.inject({ type: "drop", method: "DELETE", times: 1 });
    fake.inject({ type: "imageFailure", image: SEED_IMAGES[0], method: "DELETE" });
    const error = await owner
      .unshareImages({ images: [SEED_IMAGES[0]], projects: [RECIPIENT_PROJECT] }, { timeoutMs: 400 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsJobFailedError);
    expect((error as Error).message).toMatch(
      /The first request's outcome was unknown \(.*\); it was sent again as job \w{32}, which failed, and reading the state back still finds image \S+ still has edc89b490d7d4392898e19b2deb34797$/,
    );
    expect((error as ImsJobFailedError).jobId).toMatch(/^\w{32}$/);
    expect(fake.state.membersOf(SEED_IMAGES[0])).toContain(RECIPIENT_PROJECT);
  });

  it("without a projectId the state cannot be read back: the failure says so", async () => {
    const { fake } = await start();
    const blind = createImsClient({ endpoint: fake.url, auth: { token: OWNER_TOKEN }, ...FAST });
    fake.inject({ type: "dropAnswer", method: "DELETE", times: 1 });
    const error = await blind.unshareImages({ images: [SEED_IMAGES[0]], projects: [RECIPIENT_PROJECT] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsJobFailedError);
    expect((error as Error).message).toMatch(/which failed, and the state cannot be read back without the client's projectId$/);
  });
});
