// The spec against its sources: the published examples kept in test/fixtures/ims/ (each file's
// source is named in test/fixtures/README.md) must appear in the bundled spec verbatim, as the
// named examples of the operations they document. Everything read here is in this repository.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import bundled from "../../generated/openapi.json" with { type: "json" };

/** A fixture: one published example, as JSON. */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/ims/${name}.json`, import.meta.url), "utf8")) as Record<string, unknown>;
}

// The bundle is read as plain JSON: its literal types would make every lookup below a type puzzle.
type Json = Record<string, unknown>;
type Example = { value?: unknown; $ref?: string };
const spec = bundled as unknown as {
  paths: Record<string, Record<string, { requestBody?: Json; responses: Record<string, Json> }>>;
  components: { examples: Record<string, Example>; responses: Record<string, Json>; schemas: Record<string, { enum?: string[] }> };
};

/** Follows one local `$ref` (`#/components/responses/X`, `#/components/examples/X`). */
function deref(node: unknown): unknown {
  const ref = (node as { $ref?: unknown } | undefined)?.$ref;
  if (typeof ref !== "string") return node;
  const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
  const target = (spec.components as Record<string, Record<string, unknown> | undefined>)[section ?? ""]?.[name ?? ""];
  if (target === undefined) throw new Error(`unresolved ${ref}`);
  return target;
}

const content = (node: Json) =>
  ((deref(node) as Json).content as Record<string, { examples?: Record<string, Example> }>)["application/json"];

/** The named examples of an operation's request body, values resolved, in the spec's order. */
function requestExamples(path: string, method: string): Record<string, unknown> {
  const body = spec.paths[path]?.[method]?.requestBody;
  if (!body) throw new Error(`${method} ${path} has no request body`);
  return values(content(body)?.examples);
}

/** The named examples of one response of an operation, values resolved, in the spec's order. */
function responseExamples(path: string, method: string, status: string): Record<string, unknown> {
  const response = spec.paths[path]?.[method]?.responses[status];
  if (!response) throw new Error(`${method} ${path} has no ${status}`);
  return values(content(response)?.examples);
}

function values(examples: Record<string, Example> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(examples ?? {}).map(([name, e]) => [name, (deref(e) as Example).value]));
}

const MEMBERS = "/v1/cloudimages/members";
const JOB = "/v1/{project_id}/jobs/{job_id}";
const PROGRESS = "/v1/cloudimages/job/{job_id}";
const MEMBER_LIST = "/v1/{project_id}/cloudimages/{image_id}/members";

describe("the spec and Huawei's page Deleting Image Sharing Members", () => {
  it("has the page's example request as the first named request example, verbatim", () => {
    const examples = requestExamples(MEMBERS, "delete");
    expect(Object.keys(examples)[0]).toBe("seed");
    expect(examples.seed).toEqual(fixture("delete-members-request.seed"));
  });

  it("has the page's example response as the first named 200 example, verbatim", () => {
    const examples = responseExamples(MEMBERS, "delete", "200");
    expect(Object.keys(examples)[0]).toBe("seed");
    expect(examples.seed).toEqual(fixture("delete-members-response.seed"));
  });

  it("declares every status code the page documents", () => {
    const { normal, abnormal } = fixture("delete-members-statuses.seed") as { normal: number[]; abnormal: number[] };
    const declared = Object.keys(spec.paths[MEMBERS]?.delete?.responses ?? {});
    for (const status of [...normal, ...abnormal]) expect(declared).toContain(String(status));
  });

  it("has the current page's organizations (bare IDs) in the second delete example", () => {
    expect(requestExamples(MEMBERS, "delete").accountsAndOrganizations).toMatchObject(fixture("delete-members-organizations"));
  });
});

describe("the spec and Huawei's other sharing pages", () => {
  it("has the official add-members bodies as the add examples", () => {
    const examples = requestExamples(MEMBERS, "post");
    expect(examples.projects).toEqual(fixture("add-members-request.projects"));
    expect(examples.accountsAndOrganizations).toMatchObject(fixture("add-members-request.accounts-organizations"));
  });

  it("answers adding and accepting with the official accepted-job example", () => {
    for (const method of ["post", "put"]) {
      expect(Object.values(responseExamples(MEMBERS, method, "200"))).toContainEqual(fixture("add-members-response"));
    }
  });

  it("has the official accept bodies as the update examples", () => {
    const examples = requestExamples(MEMBERS, "put");
    const accept = fixture("update-members-request.accept");
    expect(examples.accept).toEqual(accept);
    expect(examples.acceptWithVault).toEqual({ ...accept, ...fixture("update-members-request.vault") });
  });

  it("has both official member lists as examples of listing members", () => {
    const examples = responseExamples(MEMBER_LIST, "get", "200");
    expect(examples.projects).toEqual(fixture("members-list.projects"));
    expect(examples.organization).toEqual(fixture("members-list.organization"));
  });
});

describe("the spec and the published jobs", () => {
  it("has Huawei's official finished delete-members job as the SUCCESS example, verbatim", () => {
    expect(spec.components.examples.JobSuccess?.value).toEqual(fixture("job-delete-members-success"));
    expect(responseExamples(JOB, "get", "200").success).toEqual(fixture("job-delete-members-success"));
  });

  it("has Open Telekom Cloud's add and update jobs as examples of the job query, verbatim", () => {
    const examples = responseExamples(JOB, "get", "200");
    expect(examples.addSuccess).toEqual(fixture("job-add-members-success.otc"));
    expect(examples.updateSuccess).toEqual(fixture("job-update-members-success.otc"));
  });

  it("cover every job status for both job endpoints", () => {
    const statuses = spec.components.schemas.JobStatus?.enum ?? [];
    expect(statuses.length).toBeGreaterThan(0);
    for (const route of [JOB, PROGRESS]) {
      const shown = Object.values(responseExamples(route, "get", "200")).map((job) => (job as { status?: unknown }).status);
      expect([...new Set(shown)].sort()).toEqual([...statuses].sort());
    }
  });
});

describe("the spec and Huawei's ImageInfo (the official SDK's model of an image)", () => {
  type Field = { name: string; type: "str" | "int" | "bool" | "list[str]"; mandatory: boolean };
  const { fields } = fixture("image-info.sdk-model") as { fields: Field[] };
  type Property = { type?: string | string[]; items?: { type?: string }; description?: string; $ref?: string };
  const schemas = spec.components.schemas as unknown as Record<
    string,
    { properties?: Record<string, Property>; additionalProperties?: unknown; allOf?: Array<{ $ref?: string }>; required?: string[] }
  >;
  const imageInfo = schemas.ImageInfo!;
  const JSON_TYPE = { str: "string", int: "integer", bool: "boolean", "list[str]": "array" } as const;

  it("names every field of the model, of the model's type, each described", () => {
    expect(fields.length).toBeGreaterThan(60);
    expect(Object.keys(imageInfo.properties ?? {}).sort()).toEqual(fields.map((f) => f.name).sort());
    for (const field of fields) {
      const property = imageInfo.properties![field.name]!;
      if (field.name === "id") {
        expect(property.$ref).toBe("#/components/schemas/ImageId");
        continue;
      }
      // Optional and nullable: the client relies only on `id` (openapi/README.md says why).
      expect(property.type, field.name).toEqual([JSON_TYPE[field.type], "null"]);
      if (field.type === "list[str]") expect(property.items).toEqual({ type: "string" });
      expect(property.description?.length ?? 0, `${field.name} has no description`).toBeGreaterThan(10);
      expect(property.description?.includes("Always present: Huawei marks it mandatory."), `${field.name}: whether it is mandatory`).toBe(
        field.mandatory,
      );
    }
    expect(imageInfo.required).toEqual(["id"]);
  });

  it("says what each __imagetype is, public images being gold", () => {
    expect(imageInfo.properties!.__imagetype!.description).toMatch(/`gold` for public images, `private`, `shared` .*`market`/);
  });

  it("passes fields it does not name through, and lists images (shared ones too) as ImageInfo", () => {
    expect(imageInfo.additionalProperties).toBe(true);
    expect(schemas.ImageList!.additionalProperties).toBe(true);
    expect((schemas.ImageList!.properties!.images as { items?: unknown }).items).toEqual({ $ref: "#/components/schemas/ImageInfo" });
  });
});
