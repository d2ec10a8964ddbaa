// The reports a CI job keeps: JUnit XML (parsed by fast-xml-parser, a maintained parser already
// installed here) with one test case per check and workflow, failures carrying their exchange; a
// Markdown report whose reproducer, run with curl against the fake, reproduces the failure; and
// neither holding a credential, whether the run used a token or AK/SK.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { BROKEN_VARIANTS } from "../../src/contract/broken.js";
import { finishForCi } from "../../src/contract/ci.js";
import type { CheckResult } from "../../src/contract/context.js";
import { formatJunit, xmlEscape } from "../../src/contract/junit.js";
import { formatMarkdown } from "../../src/contract/markdown.js";
import type { Exchange } from "../../src/contract/observe.js";
import { reproducerFor, shellQuote } from "../../src/contract/reproduce.js";
import { runContract, type ContractOptions } from "../../src/contract/run.js";
import {
  LOCAL_AK_SK,
  LOCAL_CREDENTIALS,
  OWNER_PROJECT,
  OWNER_TOKEN,
  RECIPIENT_PROJECT,
  RECIPIENT_TOKEN,
  startFakeIms,
  type FakeIms,
} from "../../src/fake/index.js";
import { SPEC } from "./global-setup.js";
import { startSwitchedProxy, type SwitchedProxy } from "./switched-proxy.js";

const run = promisify(execFile);

const exchange = (over: Partial<Exchange> = {}): Exchange => ({
  via: "owner",
  method: "PUT",
  origin: "http://127.0.0.1:4010",
  upstream: "http://127.0.0.1:5000",
  path: "/v1/cloudimages/members",
  status: 500,
  violations: [{ location: ["response", "body"], severity: "Error", message: "must have required property 'job_id'" }],
  auth: "token",
  requestHeaders: { "content-type": "application/json" },
  requestBody: `{"images":["it's"],"status":"accepted"}`,
  body: `{"error":{"code":"<x>","message":"a & b"}}`,
  ...over,
});

const result = (over: Partial<CheckResult>): CheckResult => ({
  name: "a check",
  ok: true,
  problems: [],
  notes: [],
  exchanges: [],
  ms: 12,
  ...over,
});

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  isArray: (name) => ["testsuite", "testcase"].includes(name),
});
interface Case {
  "@name": string;
  failure?: { "#text": string; "@message": string };
  skipped?: { "@message": string };
  error?: { "@message": string };
}
interface Parsed {
  testsuites: { "@tests": string; "@failures": string; testsuite: Array<{ "@name": string; testcase?: Case[] }> };
}
function parseJunit(xml: string): Parsed {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as Parsed;
}

describe("the formatting of reports", () => {
  it("escapes XML, and replaces what XML 1.0 cannot hold", () => {
    expect(xmlEscape(`<a href="x">&'\u0001\uD800`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;\uFFFD\uFFFD");
  });

  it("quotes for the shell, so that nothing in a request is expanded", () => {
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
  });

  it("reproduces a request with the sender's token variable, or a signing note, never a credential", () => {
    const token = reproducerFor(exchange());
    expect(token.command).toContain(`curl -sS -i -X PUT 'http://127.0.0.1:5000/v1/cloudimages/members'`);
    expect(token.command).toContain(`-H "X-Auth-Token: $IMS_TOKEN"`);
    expect(token.command).toContain(`--data-raw '{"images":["it'\\''s"],"status":"accepted"}'`);
    expect(token.notes).toEqual([]);
    expect(reproducerFor(exchange({ via: "recipient" })).command).toContain(`-H "X-Auth-Token: $IMS_RECIPIENT_TOKEN"`);
    const signed = reproducerFor(exchange({ auth: "aksk" }));
    expect(signed.command).not.toContain("X-Auth-Token");
    expect(signed.notes.join(" ")).toMatch(/signed with AK\/SK/);
  });

  it("writes one well-formed test case per check and workflow: skipped, failed with the exchange, not checked", () => {
    const failed = result({
      name: `fails <&> "q"`,
      ok: false,
      problems: ["violation: PUT → 500"],
      violation: exchange(),
      exchanges: [exchange()],
    });
    const xml = formatJunit(
      [
        result({ name: "passes" }),
        result({ name: "skips", skipped: "no <recipient>" }),
        failed,
        result({ name: "gone", ok: false, unreachable: "ECONNREFUSED" }),
      ],
      [{ name: "workflow", ok: false, output: "step 2 failed: 404", ms: 5 }],
    );
    const parsed = parseJunit(xml);
    expect(parsed.testsuites["@tests"]).toBe("5");
    expect(parsed.testsuites["@failures"]).toBe("2");
    const [checks, workflows] = parsed.testsuites.testsuite;
    const cases = checks!.testcase!;
    expect(cases.map((c) => c["@name"])).toEqual(["passes", "skips", `fails <&> "q"`, "gone"]);
    expect(cases[1]!.skipped!["@message"]).toBe("no <recipient>");
    expect(cases[2]!.failure!["@message"]).toBe("violation: PUT → 500");
    expect(cases[2]!.failure!["#text"]).toContain(`answer body: {"error":{"code":"<x>","message":"a & b"}}`);
    expect(cases[2]!.failure!["#text"]).toContain("X-Auth-Token: $IMS_TOKEN");
    expect(cases[3]!.error!["@message"]).toMatch(/unreachable: ECONNREFUSED/);
    expect(workflows!.testcase![0]!.failure!["#text"]).toBe("step 2 failed: 404");
  });

  it("writes Markdown whose fences nothing inside can close", () => {
    const failed = result({ name: "fails", ok: false, problems: ["x"], violation: exchange({ body: "```not a fence```" }) });
    const markdown = formatMarkdown({ verdict: "broken", exitCode: 1, checks: [failed] });
    expect(markdown).toContain("````text\n");
    expect(markdown).toContain("```sh\ncurl -sS -i -X PUT");
  });
});

// The runs share one Prism (switched-proxy.ts), each switched to its own fake.
let switched: SwitchedProxy | undefined;
const fakes: FakeIms[] = [];
const dirs: string[] = [];
beforeAll(async () => {
  switched = await startSwitchedProxy(SPEC);
});
afterAll(async () => {
  await switched?.close();
  await Promise.all(fakes.map((f) => f.close()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const QUOTA_AS_TEXT = "quota-used-as-text";

/** A whole run against a fake broken on purpose (the quota's `used` as text), its reports written to a directory of its own. */
async function brokenRun(options: ContractOptions) {
  const fake = await startFakeIms({
    jobDurationMs: 100,
    credentials: LOCAL_CREDENTIALS,
    transform: BROKEN_VARIANTS[QUOTA_AS_TEXT]!.transform,
  });
  fakes.push(fake);
  const dir = await mkdtemp(path.join(tmpdir(), "ims-report-"));
  dirs.push(dir);
  const result = await runContract({ upstream: fake.url, workflows: false, startProxy: switched!.startProxy, ...options });
  const ci = await finishForCi(result, { junit: "out/junit.xml", report: "out/report.md", cwd: dir });
  const junit = await readFile(path.join(dir, "out/junit.xml"), "utf8");
  const markdown = await readFile(path.join(dir, "out/report.md"), "utf8");
  return { fake, result, ci, junit, markdown };
}

describe("the reports of a whole run", () => {
  it("hold no credential (AK/SK for the owner, a token for the recipient), the failure and its signing note", async () => {
    const { result, ci, junit, markdown } = await brokenRun({
      auth: LOCAL_AK_SK,
      projectId: OWNER_PROJECT,
      recipient: { auth: { token: RECIPIENT_TOKEN }, projectId: RECIPIENT_PROJECT },
    });
    expect(result.verdict).toBe("broken");
    expect(ci.exitCode).toBe(1);
    for (const text of [junit, markdown, result.report, ci.text]) {
      expect(text).not.toContain(LOCAL_AK_SK.secretKey);
      expect(text).not.toContain(RECIPIENT_TOKEN);
    }
    const cases = parseJunit(junit).testsuites.testsuite[0]!.testcase!;
    expect(cases.map((c) => c["@name"])).toEqual(result.checks.map((c) => c.name));
    const quota = cases.find((c) => c.failure && /showImageQuota/.test(c["@name"]));
    expect(quota?.failure?.["#text"]).toMatch(/GET \/v1\/cloudimages\/quota → 500: error at response\.body\.quotas\.resources\.0\.used/);
    expect(markdown).toMatch(/^\*\*Verdict: broken\*\* \(exit 1\)/m);
    expect(markdown).toContain("| `showImageQuota` | GET /v1/cloudimages/quota |");
    expect(markdown).toMatch(/signed with AK\/SK/);
  });

  it("with a token: the Markdown report's reproducer, run with curl against the fake, reproduces the failure", async () => {
    const { fake, markdown, junit } = await brokenRun({ auth: { token: OWNER_TOKEN }, projectId: OWNER_PROJECT });
    for (const text of [junit, markdown]) expect(text).not.toContain(OWNER_TOKEN);
    const section = markdown.slice(markdown.indexOf("### ✖ GET /v1/cloudimages/quota"));
    const command = /```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(command).toContain(`-H "X-Auth-Token: $IMS_TOKEN"`);
    expect(command).toContain(fake.url);
    const { stdout } = await run("sh", ["-c", command!], { env: { PATH: process.env.PATH, IMS_TOKEN: OWNER_TOKEN } });
    expect(stdout).toMatch(/^HTTP\/1\.1 200/);
    // What the check refused: the quota's `used` as text.
    expect(stdout).toMatch(/"used":"\d+"/);
  });
});
