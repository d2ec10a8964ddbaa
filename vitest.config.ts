import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// One project per kind of test, so `npm test` can run them as the README gives and each can be
// run alone (`npx vitest run --project docs`).
//
// Vitest runs one test file at a time on a 2-core machine unless told otherwise (it keeps a core
// for itself). Test files here mostly wait (for a subprocess of the CLI, Prism, the fake's jobs,
// npm, the sandbox, Chromium), so two of them run side by side in each project.
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
          // A test that takes a second on a quiet machine (those that run the built CLI in a
          // subprocess) can take five on a loaded one: the timeout is a guard against a hang, not
          // a measure of speed.
          testTimeout: 20_000,
          maxWorkers: 2,
          typecheck: {
            enabled: true,
            include: ["test/unit/**/*.test-d.ts"],
            tsconfig: "./tsconfig.json",
            // tsc over tsconfig.json, as vitest runs it, but reusing the type-check step's
            // incremental build info: the same program is not checked twice in one `npm test`.
            checker: fileURLToPath(new URL("./scripts/lib/tsc-shared-build-info.mjs", import.meta.url)),
          },
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
          maxWorkers: 2,
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
          // Builds dist/ when it is not fresh, packs the package once and installs it once into a
          // fresh project, for every file that uses it (test/fixtures/packed-package.ts).
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
        },
      },
    ],
  },
});
