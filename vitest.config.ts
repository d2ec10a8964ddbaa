import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// One project per kind of test, so `npm test` can run them in the order the README gives and
// each can be run alone (`npx vitest run --project docs`).
export default defineConfig({
  // Tests run the sources under Node: #crypto is the node:crypto implementation (the browser
  // test bundles dist/ and so gets the Web Crypto one, as a browser would).
  resolve: { alias: { "#crypto": fileURLToPath(new URL("./src/crypto/node.ts", import.meta.url)) } },
  test: {
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          typecheck: { enabled: true, include: ["test/unit/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
        },
      },
      {
        extends: true,
        test: {
          name: "contract",
          include: ["test/contract/**/*.test.ts"],
          globalSetup: ["test/contract/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "docs",
          include: ["test/docs/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // These start whole programs (npm, the sandbox, Chromium): one at a time on 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
