// The suite tests itself: against each deliberately broken IMS variant, the contract run must
// fail, and its report must name what is wrong.
import { afterAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { BROKEN_VARIANTS } from "../../src/contract/broken.js";
import { formatReport, runContractChecks } from "../../src/contract/checks.js";
import { startPrism } from "../../src/contract/prism.js";
import { OWNER_PROJECT, SEED_IMAGES, SEED_PROJECTS, startFakeIms } from "../../src/fake/index.js";

const SPEC = fileURLToPath(new URL("../../generated/openapi.json", import.meta.url));
const caught: string[] = [];

/** What must appear in the report to show the variant was caught for the right reason. */
const expected: Record<string, RegExp> = {
  "jobId-instead-of-job_id": /job_id/,
  "202-instead-of-200": /status code/,
  "status-DONE": /status must be equal to one of the allowed values|allowed values/,
  "no-X-Request-Id": /x-request-id/,
  "error-body-wrong-shape": /required property 'error'/,
  "numeric-job_id": /job_id must be string/,
  "process_percent-as-text": /process_percent must be number/,
  "text/plain-content-type": /media type/,
  "undeclared-418": /warning at response: Unable to match the returned status code/,
  "job-without-status": /required property 'status'/,
};

afterAll(() => {
  console.log(`Broken variants caught: ${caught.length} of ${Object.keys(BROKEN_VARIANTS).length} (${caught.join(", ")})`);
});

describe.each(Object.entries(BROKEN_VARIANTS))("broken variant %s", (name, variant) => {
  it(`fails the contract run: ${variant.description}`, async () => {
    const fake = await startFakeIms({ jobDurationMs: 100, transform: variant.transform });
    const proxy = await startPrism({ mode: "proxy", spec: SPEC, upstream: fake.url });
    try {
      const results = await runContractChecks({
        baseUrl: proxy.url, auth: { token: "t" }, projectId: OWNER_PROJECT,
        images: [SEED_IMAGES[0]!], memberProjects: [SEED_PROJECTS[0]!],
        timeoutMs: 3_000, poll: { initialDelayMs: 50, growth: 0.1, maxDelayMs: 200 },
      });
      const report = formatReport(results);
      expect(results.some((r) => !r.ok), report).toBe(true);
      expect(report).toMatch(expected[name]!);
      caught.push(name);
    } finally {
      await proxy.stop();
      await fake.close();
    }
  });
});
