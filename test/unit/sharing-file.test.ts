// Sharing files: YAML or JSON, every problem located by line, column and field, and the shipped
// JSON Schema (generated from the spec) agreeing with the library's own check.
import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import schema from "../../generated/sharing.schema.json" with { type: "json" };
import { ImsValidationError } from "../../src/errors.js";
import { validateDesiredSharing } from "../../src/sharing/desired.js";
import { parseSharingFile, type SharingFileIssue } from "../../src/sharing/file.js";

const IMAGE = "d164b5df-1bc3-4c3f-893e-3e471fd16e64";
const PROJECT = "9c61004714024f9586705d090530f9fa";

function issuesOf(text: string, name = "sharing.yaml"): SharingFileIssue[] {
  try {
    parseSharingFile(text, name);
  } catch (error) {
    expect(error).toBeInstanceOf(ImsValidationError);
    return (error as ImsValidationError).issues;
  }
  throw new Error("the file was accepted");
}

describe("reading a sharing file", () => {
  it("reads YAML and JSON alike", () => {
    const yaml = `regions:\n  cn-north-4:\n    images:\n      ${IMAGE}:\n        projects: [${PROJECT}]\n        mode: additive\n`;
    const json = JSON.stringify({ regions: { "cn-north-4": { images: { [IMAGE]: { projects: [PROJECT], mode: "additive" } } } } });
    expect(parseSharingFile(yaml)).toEqual(JSON.parse(json));
    expect(parseSharingFile(json, "sharing.json")).toEqual(JSON.parse(json));
  });

  it("names the line, column and field of each problem", () => {
    const text = [
      "regions:",
      "  cn-north-4:",
      "    images:",
      `      ${IMAGE}:`,
      "        projects:",
      `          - ${PROJECT}`,
      "          - not-a-project",
      `          - ${PROJECT}`,
      "        mood: additive",
    ].join("\n");
    const issues = issuesOf(text);
    expect(issues.map((i) => `${i.path} ${i.message.split(";")[0]}`)).toEqual([
      `sharing.yaml:7:13 regions.cn-north-4.images.${IMAGE}.projects[1] "not-a-project" is not a project ID (32 lower-case hexadecimal digits, such as 9c61004714024f9586705d090530f9fa)`,
      `sharing.yaml:8:13 regions.cn-north-4.images.${IMAGE}.projects[2] duplicates regions.cn-north-4.images.${IMAGE}.projects[0]`,
      `sharing.yaml:9:9 regions.cn-north-4.images.${IMAGE}.mood is not a known field`,
    ]);
    expect(issues[0]).toMatchObject({ line: 7, column: 13 });
  });

  it('a misspelt field gets the closest known name; an all-digit ID left unquoted gets "quote it"', () => {
    const text = [
      "regions:",
      "  cn-north-4:",
      "    projectID: 12345678901234567890123456789012",
      "    images:",
      `      ${IMAGE}:`,
      "        projets: [12345678901234567890123456789012]",
      "        projects: [12345678901234567890123456789012]",
    ].join("\n");
    const issues = issuesOf(text);
    expect(issues.map((i) => `${i.line}:${i.column} ${i.message}`)).toEqual([
      expect.stringMatching(/^3:5 is not a known field; did you mean "projectId"\?/),
      expect.stringMatching(/^6:9 is not a known field; did you mean "projects"\?/),
      expect.stringMatching(/^7:20 must be a string, got 1\.\d+e\+31; YAML read .* as a number: quote the ID/),
    ]);
  });

  it("reports a syntax error with its place", () => {
    const [issue] = issuesOf("regions:\n  cn-north-4: {images: [\n");
    expect(issue?.path).toMatch(/^sharing\.yaml:\d+:\d+ \(syntax\)$/);
  });

  it("refuses a key given twice", () => {
    expect(issuesOf(`regions:\n  cn-north-4:\n    images: {}\n  cn-north-4:\n    images: {}\n`)[0]?.message).toMatch(/unique/i);
  });

  it("never echoes what was pasted where a variable's name belongs", () => {
    const secret = "sk-pasted-by-mistake-0123/+=";
    const issues = issuesOf(
      `regions:\n  cn-north-4:\n    credentials: { accessKeyEnv: CN_AK, secretKeyEnv: "${secret}" }\n    images: {}\n`,
    );
    expect(JSON.stringify(issues)).not.toContain(secret);
    expect(issues[0]?.message).toMatch(/NAME of an environment variable/);
  });
});

describe("the shipped JSON Schema agrees with the check", () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const check = ajv.compile(schema);
  const file = (image: object, region: object = {}) => ({ regions: { "cn-north-4": { ...region, images: { [IMAGE]: image } } } });
  it.each([
    [
      "a valid file",
      file({
        projects: [PROJECT],
        domains: ["3a2d95404f964a6aba78819bf8ddc1e3"],
        organizations: ["o-wvntq58r3poyv180t5df1mdna4uwy9se"],
        mode: "exclusive",
      }),
      true,
    ],
    [
      "credentials by variable name",
      file(
        { projects: [PROJECT] },
        { credentials: { accessKeyEnv: "CN_AK", secretKeyEnv: "CN_SK" }, projectId: "5f1e0c3a9d2b4e6f8a7c1b3d5e7f9a0b" },
      ),
      true,
    ],
    ["a $schema line for editors", { $schema: "./node_modules/ims-sharing/dist/sharing.schema.json", ...file({}) }, true],
    ["a bad project ID", file({ projects: ["nope"] }), false],
    ["a bad organization", file({ organizations: ["acme"] }), false],
    ["an unknown field", file({ project: [PROJECT] }), false],
    ["a bad mode", file({ mode: "sometimes" }), false],
    ["a bad quota", file({ quota: 0 }), false],
    ["a duplicate", file({ projects: [PROJECT, PROJECT] }), false],
    ["no images", { regions: { "cn-north-4": {} } }, false],
    ["a bad image ID", { regions: { "cn-north-4": { images: { "not-an-image": {} } } } }, false],
  ])("%s", (_what, value, valid) => {
    expect(check(value)).toBe(valid);
    expect(validateDesiredSharing(value).length === 0).toBe(valid);
  });
});
