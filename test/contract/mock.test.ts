// Against Prism mocking the spec, derived from the operation table (generated/operations.ts) and
// the spec alone: for every operation and every documented response (each status, each named
// example, picked with `Prefer`), a call through `client.call(id, input)`, its input made from
// the spec's own examples, passes Prism's validation, and the client turns the answer into the
// right result or error. A new operation in the spec is covered here with no edit. Invalid
// requests sent on purpose through the raw client are refused with violations naming the bad field.
import { describe, expect, inject, it } from "vitest";
import spec from "../../generated/openapi.json" with { type: "json" };
import { createImsClient, ImsApiError, type ImsAuth, type ImsClient } from "../../src/index.js";
import { observedFetch, type Exchange } from "../../src/contract/observe.js";
import { isJobOperation, OPERATION_IDS, operationSpec, type OperationId } from "../../src/operations.js";
import type { SendInput } from "../../src/transport.js";
import { JOB_ID, PROJECT_ID, SEED_BODY } from "../helpers/fixtures.js";

type Node = Record<string, unknown> & { $ref?: string };
type Example = { value?: unknown };
type Content = { "application/json"?: { examples?: Record<string, Example>; example?: unknown } };
type Parameter = { name: string; in: string; required?: boolean; example?: unknown; examples?: Record<string, Example>; schema?: Node };
type Operation = {
  operationId: string;
  parameters?: Node[];
  requestBody?: Node & { content?: Content };
  responses: Record<string, Node & { content?: Content }>;
};

/** What a local `$ref` points at in the spec (the node itself when it is none). */
function resolve(node: Node | undefined): unknown {
  if (!node?.$ref) return node;
  const target = node.$ref
    .slice(2)
    .split("/")
    .reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], spec);
  return resolve(target as Node);
}

/** Each operation of the spec by its ID, with the parameters of its path item. */
const OPERATIONS = new Map<string, Operation>(
  Object.values(spec.paths as Record<string, Record<string, unknown>>).flatMap((item) => {
    const shared = (item.parameters as Node[] | undefined) ?? [];
    return Object.values(item)
      .filter((op): op is Operation => typeof op === "object" && op !== null && "operationId" in op)
      .map((op): [string, Operation] => [op.operationId, { ...op, parameters: [...shared, ...(op.parameters ?? [])] }]);
  }),
);

const operationOf = (id: OperationId): Operation => {
  const op = OPERATIONS.get(id);
  if (!op) throw new Error(`the table's ${id} is not in generated/openapi.json: run npm run generate`);
  return op;
};

/** A JSON body's examples by name (a lone `example` is named `example`). */
function examplesOf(content: Content | undefined): Array<[string, unknown]> {
  const json = content?.["application/json"];
  if (!json) return [];
  if (json.examples) return Object.entries(json.examples).map(([name, e]) => [name, (resolve(e as Node) as Example).value]);
  return json.example === undefined ? [] : [["example", json.example]];
}

/** The first documented success answer's example (for a parameter the spec gives no example: the answer names it). */
const successExample = (op: Operation): unknown =>
  Object.entries(op.responses)
    .filter(([status]) => status.startsWith("2"))
    .flatMap(([, r]) => examplesOf((resolve(r) as { content?: Content }).content))[0]?.[1];

/**
 * A parameter's example: the parameter's own, else its schema's; else (a path parameter naming
 * what the answer describes, such as `member_id`) the same field of the success example.
 */
function parameterExample(op: Operation, parameter: Parameter): unknown {
  const own = parameter.example ?? Object.values(parameter.examples ?? {}).map((e) => (resolve(e as Node) as Example).value)[0];
  if (own !== undefined) return own;
  const schema = resolve(parameter.schema) as { example?: unknown; examples?: unknown[] } | undefined;
  const fromSchema = schema?.example ?? schema?.examples?.[0];
  if (fromSchema !== undefined) return fromSchema;
  const answered = (successExample(op) as Record<string, unknown> | undefined)?.[parameter.name];
  if (answered !== undefined || parameter.in !== "path") return answered;
  throw new Error(`${op.operationId}: the spec gives no example for its path parameter ${parameter.name}: add one`);
}

/**
 * The input of one call, from the spec's examples: every path parameter, every query parameter
 * with an example, the body's first example; an optional body with none is the smallest its
 * schema allows (`{}` when it requires nothing: see "an optional body may be left out" below).
 */
function exampleInput(id: OperationId): SendInput {
  const op = operationOf(id);
  const input: { path?: Record<string, string>; query?: Record<string, string | number>; body?: unknown } = {};
  for (const parameter of (op.parameters ?? []).map((p) => resolve(p) as Parameter)) {
    const value = parameterExample(op, parameter);
    if (value === undefined) {
      if (parameter.required) throw new Error(`${id}: the spec gives no example for its required parameter ${parameter.name}`);
      continue;
    }
    if (parameter.in === "path") (input.path ??= {})[parameter.name] = asText(value);
    if (parameter.in === "query") (input.query ??= {})[parameter.name] = typeof value === "number" ? value : asText(value);
  }
  const requestBody = resolve(op.requestBody) as { required?: boolean; content?: Content } | undefined;
  const bodies = examplesOf(requestBody?.content);
  if (bodies.length) input.body = bodies[0]![1];
  else if (requestBody && !requestBody.required) input.body = {};
  return input;
}

/** A parameter's value as a URL carries it. */
const asText = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

function client(auth: ImsAuth, prefer: string | undefined, log: Exchange[]): ImsClient {
  return createImsClient({
    endpoint: inject("prismMockUrl"),
    // The mock answers every path of the spec: IAM's as well.
    iamEndpoint: inject("prismMockUrl"),
    projectId: PROJECT_ID,
    auth,
    retry: false,
    fetch: observedFetch(log, (request) => {
      if (prefer) request.headers.set("Prefer", prefer);
      return fetch(request);
    }),
  });
}

/** Every documented response of every operation: its status and, when its body has examples, each by name. */
const cases = OPERATION_IDS.flatMap((operationId) =>
  Object.entries(operationOf(operationId).responses).flatMap(([status, ref]) => {
    const examples = examplesOf((resolve(ref) as { content?: Content }).content);
    const each = examples.length ? examples : [[undefined, undefined] as const];
    return each.map(([name, value]) => ({ operationId, status: Number(status), name: name ?? "no body", example: name, value }));
  }),
);

/** What `call` resolves with for a success whose body is `value`: the accepted job, nothing (204), or the answer itself. */
function expectedData(id: OperationId, value: unknown): unknown {
  if (isJobOperation(id)) return { jobId: (value as { job_id: string }).job_id, requestId: expect.any(String) as unknown };
  return operationSpec(id).response === null ? undefined : value;
}

describe("every documented response, through client.call", () => {
  it("covers every operation of the table, and each status its spec declares", () => {
    expect(new Set(cases.map((c) => c.operationId))).toEqual(new Set(OPERATION_IDS));
    for (const id of OPERATION_IDS) {
      const declared = Object.keys(operationOf(id).responses).map(Number);
      expect(new Set(cases.filter((c) => c.operationId === id).map((c) => c.status))).toEqual(new Set(declared));
      expect(declared).toContain(operationSpec(id).status);
    }
  });

  it.each(cases)("$operationId → $status ($name)", async ({ operationId, status, example, value }) => {
    const log: Exchange[] = [];
    const prefer = example === undefined ? `code=${status}` : `code=${status}, example=${example}`;
    const ims = client({ token: "token-for-the-mock" }, prefer, log);
    const outcome = await ims.call(operationId, exampleInput(operationId) as never).then(
      (data: unknown) => ({ data }),
      (error: unknown) => ({ error }),
    );
    expect(log).toHaveLength(1);
    expect(log[0]!.violations).toEqual([]);
    expect(log[0]!.status).toBe(status);
    if (status < 300) {
      expect(outcome).toEqual({ data: expectedData(operationId, value) });
    } else {
      const error = (outcome as { error: ImsApiError }).error;
      expect(error).toBeInstanceOf(ImsApiError);
      const body = value as { error?: { code: string }; error_code?: string };
      expect(error).toMatchObject({ status, code: body.error?.code ?? body.error_code });
      expect(error.requestId).toBeTruthy();
    }
  });

  /** Every request-body example of the spec, each sent as the operation's input (the first is sent by every case above). */
  const bodies = OPERATION_IDS.flatMap((operationId) =>
    examplesOf((resolve(operationOf(operationId).requestBody) as { content?: Content } | undefined)?.content).map(([name, body]) => ({
      operationId,
      name,
      body,
    })),
  );

  it.each(bodies)("$operationId with the request-body example $name passes Prism's validation", async ({ operationId, name, body }) => {
    const log: Exchange[] = [];
    const ims = client({ token: "token-for-the-mock" }, `code=${operationSpec(operationId).status}`, log);
    await ims.call(operationId, { ...exampleInput(operationId), body } as never);
    expect(
      log.map((e) => [e.status, e.violations]),
      name,
    ).toEqual([[operationSpec(operationId).status, []]]);
  });

  /** The operations whose request body the spec makes optional. */
  const optionalBodies = OPERATION_IDS.filter((id) => {
    const body = resolve(operationOf(id).requestBody) as { required?: boolean } | undefined;
    return body !== undefined && !body.required;
  });

  // An optional body left out is not validated as if it were there (`deleteImage(id)`).
  it.each(optionalBodies)("%s: an optional body may be left out", async (operationId) => {
    const log: Exchange[] = [];
    const ims = client({ token: "token-for-the-mock" }, `code=${operationSpec(operationId).status}`, log);
    await ims.call(operationId, { ...exampleInput(operationId), body: undefined } as never);
    expect(log.map((e) => [e.status, e.violations])).toEqual([[operationSpec(operationId).status, []]]);
  });

  it("AK/SK-signed requests pass Prism's validation too", async () => {
    const log: Exchange[] = [];
    const ims = client({ accessKey: "AK", secretKey: "SK-for-the-mock", securityToken: "STS-for-the-mock" }, "code=200, example=seed", log);
    await expect(ims.deleteImageMembers(SEED_BODY)).resolves.toMatchObject({ jobId: "edc89b490d7d4392898e19b2deb34797" });
    expect(log[0]!.violations).toEqual([]);
  });

  it("IAM's operations go to the IAM endpoint, IMS's to the IMS endpoint", async () => {
    const iam = OPERATION_IDS.filter((id) => operationSpec(id).service === "iam");
    expect(iam.length).toBeGreaterThan(0);
    const urls: string[] = [];
    const ims = createImsClient({
      endpoint: "http://127.0.0.1:9/ims",
      iamEndpoint: "http://127.0.0.1:9/iam",
      projectId: PROJECT_ID,
      auth: { token: "t" },
      retry: false,
      fetch: (request) => {
        urls.push(request.url);
        return Promise.resolve(new Response(null, { status: 503 }));
      },
    });
    for (const id of OPERATION_IDS) await ims.call(id, exampleInput(id) as never).catch(() => undefined);
    expect(urls).toHaveLength(OPERATION_IDS.length);
    OPERATION_IDS.forEach((id, i) => expect(urls[i], id).toMatch(operationSpec(id).service === "iam" ? /\/iam\// : /\/ims\//));
  });
});

describe("invalid requests sent on purpose (past the client's own checks) are refused", () => {
  const ims = () => client({ token: "t" }, undefined, []);
  const violationsOf = (response: Response) => response.headers.get("sl-violations") ?? "";

  it.each([
    ["an empty images array", { images: [], projects: SEED_BODY.projects }, "images"],
    ["a malformed image ID", { images: ["nope"], projects: SEED_BODY.projects }, "images.0"],
    ["a malformed project ID", { images: SEED_BODY.images, projects: ["9c61"] }, "projects.0"],
    ["a missing projects field", { images: SEED_BODY.images }, "projects"],
    ["an unknown field", { ...SEED_BODY, domains: ["x"] }, "domains"],
    ["duplicates", { images: [SEED_BODY.images[0], SEED_BODY.images[0]], projects: SEED_BODY.projects }, "images"],
  ])("%s", async (_name, body, field) => {
    const { response } = await ims().api.DELETE("/v1/cloudimages/members", { body: body as never, parseAs: "text" });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(violationsOf(response)).toContain(field);
  });

  it("a malformed project ID in the path", async () => {
    const { response } = await ims().api.GET("/v1/{project_id}/jobs/{job_id}", {
      params: { path: { project_id: "xyz", job_id: JOB_ID } },
      parseAs: "text",
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(violationsOf(response)).toContain("project_id");
  });

  it("a request without credentials", async () => {
    const response = await fetch(`${inject("prismMockUrl")}/v1/cloudimages/job/${JOB_ID}`);
    expect(response.status).toBe(401);
  });
});
