// Every operation of the table (generated/operations.ts), and what covers it. Most of what an
// operation needs comes from its row, with no hand-written line: the client's `call` and
// `paginate`, the command line's `api` command and its help, the docs, Prism's mock in the
// contract tests (mock.test.ts walks the table), the contract suite's read checks. What still
// needs a hand is named here, per operation, in the tests' names, so that an operation added to
// the spec fails here until it has it:
// - the fake's answer (by design: the fake is IMS's behaviour, which no spec states), at the
//   table's method and path;
// - a write's contract check (a round trip that reads its change back; reads are generated);
// - an asynchronous write's "how to check" rule (src/check.ts), which the client's and the
//   command line's hints print when an outcome is unknown.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATION_IDS, operationSpec } from "../../src/operations.js";
import { CHECKS, uncoveredOperations } from "../../src/contract/checks.js";
import { checkCommands } from "../../src/check.js";
import { operationList } from "../../src/cli/commands/api-help.js";
import { OWNER_PROJECT, OWNER_TOKEN, startFakeIms, type FakeIms } from "../../src/fake/index.js";

const ANY_ID = "00000000-0000-4000-8000-000000000000";

/** The table's path with every parameter filled: the caller's project, else a well-formed ID. */
const filled = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => (name === "project_id" ? OWNER_PROJECT : ANY_ID));

let fake: FakeIms;
beforeAll(async () => {
  fake = await startFakeIms({ jobDurationMs: 0 });
});
afterAll(() => fake.close());

describe.each(OPERATION_IDS.map((id) => [id, operationSpec(id)] as const))("%s", (id, op) => {
  it(`is listed by the command line's api command, with ${op.method} ${op.path}`, () => {
    expect(operationList().find((line) => line.startsWith(`${id} `))).toContain(`${op.method} ${op.path}`);
  });

  it(`is covered by the contract suite (${op.method === "GET" ? "a read check made from its row" : "needs a hand: a write check"})`, () => {
    const covering = CHECKS.filter((c) => c.operations.includes(id));
    expect(
      covering.map((c) => c.name),
      `no contract check calls ${id}: src/contract/reads.ts makes GETs' only`,
    ).not.toEqual([]);
    if (op.method !== "GET")
      expect(
        covering.some((c) => c.writes),
        `no write check calls ${id}: add one to src/contract/writes.ts`,
      ).toBe(true);
  });

  it(`needs a hand: the fake answers ${op.method} ${op.path} as ${id} (src/fake/server.ts)`, async () => {
    const path = filled(op.path);
    const answer = await fetch(new URL(path, fake.url), {
      method: op.method,
      headers: { "X-Auth-Token": OWNER_TOKEN, "Content-Type": "application/json" },
      ...(op.method === "GET" || op.method === "DELETE" ? {} : { body: "{}" }),
    });
    const body = await answer.text();
    expect(body, "the fake has no route for it").not.toContain("APIGW.0101");
    const seen = fake.requests.filter((r) => r.method === op.method && r.path.split("?")[0] === path).at(-1);
    expect(seen?.operation, `the fake routed ${op.method} ${path} to ${String(seen?.operation)}`).toBe(id);
  });

  if (op.job)
    it(`needs a hand: a rule to check an unknown outcome of ${id} (src/check.ts)`, () => {
      const commands = checkCommands(id as Parameters<typeof checkCommands>[0], { images: [ANY_ID], name: "a-copy", status: "accepted" });
      expect(commands, `${id} has no rule in src/check.ts: its unknown outcomes say only "read the state back"`).not.toEqual([]);
    });
});

it("no operation of the table is left uncovered by the contract suite", () => {
  expect(uncoveredOperations(CHECKS)).toEqual([]);
});
