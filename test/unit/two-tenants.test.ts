// The whole round trip between two tenants on the fake IMS, through the public client API only:
// the owner shares two images, the recipient sees them pending, accepts one and rejects the
// other, the owner sees accepted and rejected, stops sharing, and the recipient no longer sees them.
import { afterEach, beforeEach, expect, it } from "vitest";
import { createImsClient, ImsApiError, type ImsClient } from "../../src/index.js";
import {
  createManualClock,
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  startFakeIms,
  type FakeIms,
} from "../../src/fake/index.js";

const A = "6b9a2a3e-0c1d-4e5f-8a7b-9c0d1e2f3a4b";
const B = "7c0b3b4f-1d2e-4f60-9b8c-0d1e2f3a4b5c";
let fake: FakeIms;
let owner: ImsClient;
let recipient: ImsClient;

beforeEach(async () => {
  const clock = createManualClock();
  fake = await startFakeIms({
    clock,
    jobDurationMs: 2_000,
    images: [
      { id: A, name: "golden-a" },
      { id: B, name: "golden-b" },
    ],
  });
  // Every poll moves the fake's clock past the job's end: the test never waits on real time.
  const poll = { initialDelayMs: 1, growth: 0, maxDelayMs: 1 };
  const ticking = (request: Request) => (clock.advance(1_000), fetch(request));
  owner = createImsClient({ endpoint: fake.url, projectId: OWNER_PROJECT, auth: { token: OWNER_TOKEN }, poll, fetch: ticking });
  recipient = createImsClient({ endpoint: fake.url, projectId: RECIPIENT_PROJECT, auth: { token: RECIPIENT_TOKEN }, poll, fetch: ticking });
});
afterEach(() => fake.close());

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
const statuses = async (image: string) => (await all(owner.listImageMembers(image))).map((m) => `${m.member_id}:${m.status}`);
const shared = async (memberStatus?: "pending" | "accepted" | "rejected") =>
  (await all(recipient.listSharedImages({ memberStatus }))).map((i) => i.id).sort();

it("share → pending → accept one, reject the other → owner sees both answers → unshare → gone", async () => {
  const added = await owner.shareImages({ images: [A, B], projects: [RECIPIENT_PROJECT] });
  expect(added).toMatchObject({ status: "SUCCESS", job_type: "imsAddImageMembersJob" });

  expect(await shared("pending")).toEqual([A, B]);
  expect(await statuses(A)).toEqual([`${RECIPIENT_PROJECT}:pending`]);

  await recipient.acceptImages([A]);
  await recipient.rejectImages([B]);
  expect(await shared("accepted")).toEqual([A]);
  expect(await shared("rejected")).toEqual([B]);
  expect(await statuses(A)).toEqual([`${RECIPIENT_PROJECT}:accepted`]);
  expect(await statuses(B)).toEqual([`${RECIPIENT_PROJECT}:rejected`]);
  await expect(owner.getImageMember(B, RECIPIENT_PROJECT)).resolves.toMatchObject({ status: "rejected" });

  // A rejected share can be accepted later.
  await recipient.acceptImages([B]);
  expect(await statuses(B)).toEqual([`${RECIPIENT_PROJECT}:accepted`]);

  const removed = await owner.unshareImages({ images: [A, B], projects: [RECIPIENT_PROJECT] });
  expect(removed).toMatchObject({ status: "SUCCESS", job_type: "imsDelImageMembersJob" });
  for (const status of ["pending", "accepted", "rejected"] as const) expect(await shared(status)).toEqual([]);
  expect(await statuses(A)).toEqual([]);
  await expect(owner.getImageMember(A, RECIPIENT_PROJECT)).rejects.toBeInstanceOf(ImsApiError);
});

it("the owner cannot answer for the recipient", async () => {
  await owner.shareImages({ images: [A], projects: [RECIPIENT_PROJECT] });
  const error = await owner.updateImageMembers({ images: [A], project_id: RECIPIENT_PROJECT, status: "accepted" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImsApiError);
  expect(await statuses(A)).toEqual([`${RECIPIENT_PROJECT}:pending`]);
});
