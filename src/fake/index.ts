/**
 * ims-sharing/fake: a stateful fake IMS on a real HTTP server (Node only), for your own tests,
 * the sandbox and the contract suite.
 *
 * @example
 * import { startFakeIms } from "ims-sharing/fake";
 * const fake = await startFakeIms({ jobDurationMs: 200 });
 * const ims = createImsClient({ endpoint: fake.url, auth: { token: "any" } });
 * await ims.unshareImages({ images: [SEED_IMAGES[0]], projects: [SEED_PROJECTS[0]] });
 * await fake.close();
 */
export { startFakeIms } from "./server.js";
export type { Fault, FakeIms, FakeImsOptions, FakeReply, FakeRequestLog } from "./server.js";
export { FakeState, SEED_IMAGES, SEED_PROJECTS, OWNER_PROJECT, FOREIGN_IMAGE, FOREIGN_OWNER, defaultImages } from "./state.js";
export type { FakeImage, FakeJob, SeedImage } from "./state.js";
