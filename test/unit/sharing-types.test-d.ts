// The real client is a SharingClient: planSharing and applySharing take it as it is.
import { expectTypeOf, it } from "vitest";
import type { ImsClient } from "../../src/index.js";
import type { SharingClient } from "../../src/sharing/index.js";

it("ImsClient satisfies SharingClient", () => {
  expectTypeOf<ImsClient>().toExtend<SharingClient>();
});
