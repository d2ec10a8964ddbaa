// The spec against its sources: the seed page's example request and response, and Huawei's
// official SUCCESS job, must appear in the spec verbatim as named examples.
import { describe, expect, it } from "vitest";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import spec from "../../generated/openapi.json" with { type: "json" };

const shared = fileURLToPath(new URL("../../../shared/", import.meta.url));
const seedPage = `${shared}seed/deleting-image-sharing-members.txt`;
const reference = `${shared}reference/ims-api.md`;

/** The JSON object that starts at the first `{` after `marker`, with the page's line numbers stripped. */
function jsonAfter(text: string, marker: string): unknown {
  const from = text.indexOf("{", text.indexOf(marker) + marker.length);
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}" && --depth === 0) return JSON.parse(text.slice(from, i + 1));
  }
  throw new Error(`no JSON after ${marker}`);
}

const members = spec.paths["/v1/cloudimages/members"].delete;

describe.runIf(existsSync(seedPage))("the spec and the seed page", () => {
  const page = readFileSync(seedPage, "utf8");

  it("has the seed's example request as the first named request example, verbatim", () => {
    const examples = members.requestBody.content["application/json"].examples;
    expect(Object.keys(examples)[0]).toBe("seed");
    expect(examples.seed.value).toEqual(jsonAfter(page, "DELETE https://{Endpoint}/v1/cloudimages/members"));
  });

  it("has the seed's example response as the first named 200 example, verbatim", () => {
    const examples = members.responses["200"].content["application/json"].examples;
    expect(Object.keys(examples)[0]).toBe("seed");
    expect(examples.seed.value).toEqual(jsonAfter(page, "STATUS CODE 200"));
  });

  it("declares every status code the seed documents", () => {
    const documented = [...page.matchAll(/^\s*(\d{3}) [A-Z]/gm)].map((m) => m[1]);
    expect(documented).toEqual(["400", "401", "403", "404", "500", "503"]);
    for (const status of ["200", ...documented]) expect(Object.keys(members.responses)).toContain(status);
  });
});

describe.runIf(existsSync(reference))("the spec and the reference", () => {
  it("has Huawei's official finished delete-members job as the SUCCESS example, verbatim", () => {
    const official = jsonAfter(readFileSync(reference, "utf8"), "Official example of a finished delete-members job");
    expect(spec.components.examples.JobSuccess.value).toEqual(official);
  });
});

describe("the job examples", () => {
  it("cover every job status for both job endpoints", () => {
    const statuses = spec.components.schemas.JobStatus.enum;
    for (const route of ["/v1/{project_id}/jobs/{job_id}", "/v1/cloudimages/job/{job_id}"] as const) {
      const examples = spec.paths[route].get.responses["200"].content["application/json"].examples;
      const shown = Object.values(examples).map((e) => {
        const name = e.$ref.split("/").pop() as keyof typeof spec.components.examples;
        return spec.components.examples[name].value.status;
      });
      expect([...shown].sort()).toEqual([...statuses].sort());
    }
  });
});
