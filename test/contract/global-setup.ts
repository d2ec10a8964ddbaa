// Starts, once per run: Prism mocking the spec, the fake IMS (verifying AK/SK signatures, as the
// gateway does, so that a wrong signature is refused), and Prism's validating proxy in front of
// the fake. Stops all three in teardown, also when tests fail. Only proxy.test.ts uses the fake:
// tests that change sharing elsewhere start their own, so that no two change the same images.
import type { TestProject } from "vitest/node";
import { fileURLToPath } from "node:url";
import { startPrism, type PrismProcess } from "../../src/contract/prism.js";
import { startFakeIms, type FakeIms } from "../../src/fake/index.js";

export const SPEC = fileURLToPath(new URL("../../generated/openapi.json", import.meta.url));
/** The AK/SK pair the shared fake verifies. */
export const FAKE_ACCESS_KEY = "HPUAGLOBALSETUPKEY";
export const FAKE_SECRET_KEY = "global-setup-secret-key";

declare module "vitest" {
  export interface ProvidedContext {
    prismMockUrl: string;
    fakeUrl: string;
    proxyUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const started: Array<PrismProcess | FakeIms> = [];
  const stopAll = () => Promise.all(started.map((s) => ("stop" in s ? s.stop() : s.close())));
  try {
    // The fake starts in milliseconds; the two Prisms, a second or two each, start side by side.
    const fake = await startFakeIms({ jobDurationMs: 300, credentials: { [FAKE_ACCESS_KEY]: { secretKey: FAKE_SECRET_KEY } } });
    started.push(fake);
    const prisms = await Promise.allSettled([
      startPrism({ mode: "mock", spec: SPEC }),
      startPrism({ mode: "proxy", spec: SPEC, upstream: fake.url }),
    ]);
    for (const p of prisms) if (p.status === "fulfilled") started.push(p.value);
    const [mock, proxy] = prisms.map((p) => {
      if (p.status === "rejected") throw p.reason;
      return p.value;
    });
    project.provide("prismMockUrl", mock!.url);
    project.provide("fakeUrl", fake.url);
    project.provide("proxyUrl", proxy!.url);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return async () => {
    await stopAll();
  };
}
