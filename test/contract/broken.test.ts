// The suite tests itself: against each deliberately broken IMS variant, the whole contract run
// (`runContract`, what `npm run contract -- --broken NAME` and `ims-sharing contract` call) must
// fail with exit code 1, within 20 seconds, its report naming what is wrong. The runs share two
// Prisms (switched-proxy.ts): each validates exactly as a run's own would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKEN_VARIANTS } from "../../src/contract/broken.js";
import { CONTRACT_EXIT, runContract } from "../../src/contract/run.js";
import { SPEC } from "./global-setup.js";
import { startProxyPool, type ProxyPool } from "./switched-proxy.js";

/** What the report must say for each variant: the violation, or the failed expectation, that catches it. */
const expected: Record<string, RegExp> = {
  "jobId-instead-of-job_id":
    /DELETE \/v1\/cloudimages\/members → 500: error at response\.body: Response body must have required property 'job_id'/,
  "202-instead-of-200": /DELETE \/v1\/cloudimages\/members → 500: error at response: Unable to match the returned status code/,
  "add-without-job_id":
    /POST \/v1\/cloudimages\/members → 500: error at response\.body: Response body must have required property 'job_id'/,
  "update-job_id-null":
    /recipient: PUT \/v1\/cloudimages\/members → 500: error at response\.body\.job_id: Response body property job_id must be string/,
  "invalid-body-accepted": /the upstream accepted an invalid body .* with 200/,
  "status-DONE":
    /jobs\/\w+ → 500: error at response\.body\.status: Response body property status must be equal to one of the allowed values/,
  "numeric-job_id": /jobs?\/\w+ → 500: error at response\.body\.job_id: Response body property job_id must be string/,
  "process_percent-as-text":
    /→ 500: error at response\.body\.entities\.process_percent: Response body property entities\.process_percent must be number/,
  "text/plain-content-type": /job\/\w+ → 500: error at response: The received media type "text\/plain" does not match/,
  "job-without-status": /jobs?\/\w+ → 500: error at response\.body: Response body must have required property 'status'/,
  "results-not-array":
    /jobs\/\w+ → 500: error at response\.body\.entities\.results: Response body property entities\.results must be array/,
  "progress-entities-as-list":
    /cloudimages\/job\/\w+ → 500: error at response\.body\.entities: Response body property entities must be object/,
  "unknown-job-403":
    /an unknown job's progress[^\n]*\n {4}GET \/v1\/cloudimages\/job\/\{unknown\}: expected a documented 4xx other than 401\/403, got 403 IMG\.0026/,
  "undeclared-418": /job\/\w+ → 418: warning at response: Unable to match the returned status code/,
  "member-status-uppercase":
    /members\?limit=1000 → 500: error at response\.body\.members\.0\.status: Response body property members\.0\.status must be equal to one of the allowed values/,
  // The client's own walk (transport.pages) refuses a marker that comes back.
  "next_marker-repeats": /GET \/v1\/\w+\/cloudimages\/[\w-]+\/members answered the marker "[^"]+" twice: the server's paging loops/,
  "page-drops-a-member": /one page of 1000 and 2 pages of 1 list different items; missing from the big page: \w+: a page drops items/,
  "member-without-member_id": /members\/\w+ → 500: error at response\.body: Response body must have required property 'member_id'/,
  "shared-image-id-malformed":
    /(owner|recipient): GET \/v2\/cloudimages\?[^ ]* → 500: error at response\.body\.images\.0\.id: Response body property images\.0\.id must match pattern/,
  "success-changes-nothing": /after unsharing \(job \w+ SUCCESS\), the change did not happen: \w+ is still a member of/,
  "quota-used-as-text":
    /GET \/v1\/cloudimages\/quota → 500: error at response\.body\.quotas\.resources\.0\.used: Response body property quotas\.resources\.0\.used must be integer/,
  "project-without-id":
    /GET \/v3\/projects → 500: error at response\.body\.projects\.0: Response body property projects\.0 must have required property 'id'/,
  "copy-names-no-image": /job \w+ ended SUCCESS but names no new image \(entities\.image_id\)/,
  "delete-answers-200": /DELETE \/v2\/images\/[\w-]+ → 500: error at response: Unable to match the returned status code/,
  "no-X-Request-Id": /→ 500: error at response\.header: Response header must have required property 'x-request-id'/,
  "error-body-wrong-shape":
    /direct: GET \/v1\/cloudimages\/job\/\w+ → 401: error at response\.body: the error body has neither IMS's .* nor the gateway's .* documented shape/,
  "refuses-every-credential":
    /GET \/v1\/cloudimages\/job\/\{unknown\}: expected a documented 4xx other than 401\/403, got 401 APIGW\.0301: the credentials were refused/,
  "no-credentials-accepted": /GET \/v1\/cloudimages\/job\/\{unknown\} without credentials: expected 401, got 404/,
  "signature-not-checked": /GET \/v1\/cloudimages\/job\/\{unknown\} with a wrong signature: expected 401, got 404/,
};

const caught: string[] = [];
const timings: string[] = [];

/**
 * Two runs at a time, so that timings stay honest on 2 cores, each through a Prism of the pool's:
 * each run starts its own broken fake, as `npm run contract -- --broken NAME` does, but not its
 * own Prism (started twice here instead of once per variant).
 */
let pool: ProxyPool | undefined;
beforeAll(async () => {
  pool = await startProxyPool(SPEC, 2);
});
afterAll(async () => {
  await pool?.close();
  console.log(`Broken variants caught: ${caught.length} of ${Object.keys(BROKEN_VARIANTS).length} (${timings.join(", ")})`);
});

describe("the broken variants", () => {
  it("each has an expected reason, and each reason a variant", () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(BROKEN_VARIANTS).sort());
  });
});

describe.concurrent.each(Object.entries(BROKEN_VARIANTS))("broken variant %s", (name, variant) => {
  it(`fails the contract run within 20 s, for the right reason: ${variant.description}`, async () => {
    const result = await pool!.withProxy((proxy) => runContract({ broken: name, spec: SPEC, startProxy: proxy.startProxy }));
    expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.broken);
    expect(result.verdict).toBe("broken");
    expect(result.report).toMatch(expected[name]!);
    expect(result.report).toMatch(/The upstream breaks the contract/);
    expect(result.ms, result.report).toBeLessThan(20_000);
    caught.push(name);
    timings.push(`${name} ${(result.ms / 1000).toFixed(1)} s`);
  }, 240_000);
});
