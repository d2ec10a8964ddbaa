// The fake's API-gateway rate limit: a token bucket per tenant on the fake's clock (a manual one
// here, so refills happen exactly when the test says), 429 APIGW.0308 with Retry-After when empty.
import { afterEach, describe, expect, it } from "vitest";
import {
  createManualClock,
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  startFakeIms,
  type FakeIms,
} from "../../src/fake/index.js";

let fake: FakeIms | undefined;
afterEach(() => fake?.close());

const QUOTA = "/v1/cloudimages/quota";

async function get(token: string): Promise<{ status: number; retryAfter: string | null; body: unknown; requestId: string | null }> {
  const response = await fetch(`${fake!.url}${QUOTA}`, { headers: { "x-auth-token": token } });
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: await response.json(),
    requestId: response.headers.get("x-request-id"),
  };
}

describe("the fake's rate limit", () => {
  it("answers a burst, then 429 in the gateway's shape with the seconds until a token, and refills on the clock", async () => {
    const clock = createManualClock();
    // One token every 4 s: Retry-After counts down in whole seconds as the clock moves.
    fake = await startFakeIms({ clock, rateLimit: { requestsPerSecond: 0.25, burst: 3 } });
    for (let i = 0; i < 3; i++) expect((await get(OWNER_TOKEN)).status).toBe(200);
    const refused = await get(OWNER_TOKEN);
    expect(refused).toMatchObject({ status: 429, retryAfter: "4" });
    expect(refused.body).toEqual({
      error_code: "APIGW.0308",
      error_msg: "The throttling threshold has been reached.",
      request_id: refused.requestId,
    });
    fake.advance(2_500);
    expect(await get(OWNER_TOKEN)).toMatchObject({ status: 429, retryAfter: "2" });
    fake.advance(1_000);
    expect(await get(OWNER_TOKEN)).toMatchObject({ status: 429, retryAfter: "1" });
    fake.advance(500);
    expect((await get(OWNER_TOKEN)).status).toBe(200);
    expect(await get(OWNER_TOKEN)).toMatchObject({ status: 429, retryAfter: "4" });
    // A long pause fills the bucket up to the burst, no further.
    fake.advance(60_000);
    for (let i = 0; i < 3; i++) expect((await get(OWNER_TOKEN)).status).toBe(200);
    expect((await get(OWNER_TOKEN)).status).toBe(429);

    const log = fake.requests.map((r) => [r.status, r.project, r.operation]);
    expect(log.filter(([status]) => status === 429)).toHaveLength(5);
    expect(log.every(([, project, operation]) => project === OWNER_PROJECT && operation === "showImageQuota")).toBe(true);
  });

  it("keeps one bucket per tenant", async () => {
    fake = await startFakeIms({ clock: createManualClock(), rateLimit: { requestsPerSecond: 1, burst: 1 } });
    expect((await get(OWNER_TOKEN)).status).toBe(200);
    expect(await get(OWNER_TOKEN)).toMatchObject({ status: 429, retryAfter: "1" });
    expect((await get(RECIPIENT_TOKEN)).status).toBe(200);
    expect((await get(RECIPIENT_TOKEN)).status).toBe(429);
    expect(fake.requests.filter((r) => r.status === 429).map((r) => r.project)).toEqual([OWNER_PROJECT, RECIPIENT_PROJECT]);
  });

  it("limits nothing by default", async () => {
    fake = await startFakeIms({ clock: createManualClock() });
    for (let i = 0; i < 50; i++) expect((await get(OWNER_TOKEN)).status).toBe(200);
  });

  it("refuses a rate limit that cannot work, naming the number", async () => {
    await expect(startFakeIms({ rateLimit: { requestsPerSecond: 0, burst: 5 } })).rejects.toThrow(
      "rateLimit.requestsPerSecond must be a finite number above 0, got 0",
    );
    await expect(startFakeIms({ rateLimit: { requestsPerSecond: 5, burst: 0.5 } })).rejects.toThrow(
      "rateLimit.burst must be a finite number of at least 1, got 0.5",
    );
  });
});
