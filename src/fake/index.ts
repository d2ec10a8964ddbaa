/**
 * ims-sharing/fake: a stateful, multi-tenant fake IMS on a real HTTP server (Node only), for your
 * own tests, the sandbox and the contract suite. It answers every operation of the spec: add,
 * accept/reject and delete members (as jobs), list and show members, list images (yours, public
 * ones, those shared with you), copy an image (a job), the image quota, delete an image, the two
 * job queries, and IAM's project listing (`GET /v3/projects`, on the same port: give the client
 * `iamEndpoint: fake.url` and no `projectId`, and it finds its project there).
 *
 * @example
 * import { createManualClock, startFakeIms, OWNER_TOKEN, RECIPIENT_TOKEN, SEED_IMAGES } from "ims-sharing/fake";
 * const clock = createManualClock();
 * const fake = await startFakeIms({ clock, jobDurationMs: 1_000 });
 * const owner = createImsClient({ endpoint: fake.url, auth: { token: OWNER_TOKEN }, projectId: fake.ownerProject });
 * const recipient = createImsClient({ endpoint: fake.url, auth: { token: RECIPIENT_TOKEN }, projectId: RECIPIENT_PROJECT });
 * // … owner.addImageMembers(…); fake.advance(1_000); recipient.updateImageMembers(…) …
 * await fake.close();
 *
 * Every answer carries `X-Ims-Fake: ims-sharing <version>; signatures=verified|unchecked`
 * (`FAKE_HEADER`, read with `parseFakeIdentity`): `verified` when it was started with
 * `credentials` (it then refuses a wrong AK/SK signature with 401 APIGW.0301, as the gateway
 * does), `unchecked` when it accepts any signature. IMS sends no such header; the contract suite
 * relies on it to know the upstream is this fake, never on its address.
 *
 * `rateLimit: { requestsPerSecond, burst }` plays the API gateway's throttling: a token bucket
 * per calling project, 429 APIGW.0308 with `Retry-After` over it.
 */
export { startFakeIms, LOCAL_AK_SK, LOCAL_CREDENTIALS, OWNER_TOKEN, RECIPIENT_TOKEN } from "./server.js";
export { FAKE_HEADER, parseFakeIdentity } from "./identity.js";
export type { FakeIdentity } from "./identity.js";
export type { Fault, FakeIms, FakeImsOptions, FakeReply, FakeRequestLog, RateLimit } from "./server.js";
export { createManualClock, isManualClock, systemClock } from "./clock.js";
export type { Clock, ManualClock } from "./clock.js";
export {
  FakeState,
  SEED_IMAGES,
  SEED_PROJECTS,
  OWNER_PROJECT,
  RECIPIENT_PROJECT,
  FOREIGN_IMAGE,
  FOREIGN_OWNER,
  DEFAULT_REGION,
  IMAGE_QUOTA,
  MEMBER_QUOTA,
  defaultImages,
} from "./state.js";
export {
  defaultTenants,
  EXAMPLE_DOMAIN,
  FOREIGN_DOMAIN,
  OWNER_DOMAIN,
  RECIPIENT_DOMAIN,
  SUB_PROJECT,
  SUBPROJECT_DOMAIN,
  SUBPROJECT_REGION_PROJECT,
  SUBPROJECT_TOKEN,
} from "./tenants.js";
export type { FakeTenant } from "./tenants.js";
export { COPY_REFUSALS } from "./writes.js";
export type {
  FakeImage,
  FakeJob,
  FakeMember,
  FakeProject,
  FakeStateOptions,
  ImageKind,
  JobType,
  MadeImage,
  MemberRef,
  MemberType,
  Refusal,
  SeedImage,
  SeedMember,
} from "./state.js";
