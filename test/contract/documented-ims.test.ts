// An IMS written from Huawei's documentation rather than from this spec: its image listing
// carries every field of Huawei's ImageInfo (the official SDK's model, test/fixtures/ims/) with
// the values the model describes, and fields no model names yet; its other answers carry a field
// more too. A tolerant reader accepts all of that: the whole contract run (the checks through
// Prism's validating proxy and the Arazzo workflows run by `redocly respect`, which judges
// response schemas as closed objects unless they say `additionalProperties: true`) keeps the
// contract against it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { CONTRACT_EXIT, runContract } from "../../src/contract/run.js";
import { LOCAL_CREDENTIALS, RECIPIENT_TOKEN, startFakeIms, type FakeIms, type FakeReply } from "../../src/fake/index.js";
import { SPEC } from "./global-setup.js";

type Field = { name: string; type: "str" | "int" | "bool" | "list[str]"; mandatory: boolean };
const { fields } = JSON.parse(readFileSync(new URL("../fixtures/ims/image-info.sdk-model.json", import.meta.url), "utf8")) as {
  fields: Field[];
};

/** A value for every documented field, as the model's descriptions give them (an image made from an ECS). */
const DOCUMENTED: Record<string, unknown> = {
  __backup_id: "",
  __data_origin: "instance,6f5c4f8e-3c3a-4f2e-9d0b-0d1c2e3f4a5b",
  __description: "golden image for the web tier",
  __image_size: "2367782912",
  __image_source_type: "uds",
  __imagetype: "shared",
  __isregistered: "true",
  __originalimagename: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  __os_bit: "64",
  __os_type: "Linux",
  __os_version: "Ubuntu 22.04 server 64bit",
  __platform: "Ubuntu",
  __productcode: "",
  __support_diskintensive: "true",
  __support_highperformance: "true",
  __support_kvm: "true",
  __support_kvm_gpu_type: "V100",
  __support_kvm_infiniband: "true",
  __support_largememory: "true",
  __support_xen: "true",
  __support_xen_gpu_type: "M60",
  __support_xen_hana: "true",
  __system_support_market: false,
  checksum: "d41d8cd98f00b204e9800998ecf8427e",
  container_format: "bare",
  created_at: "2024-11-06T06:00:00Z",
  disk_format: "zvhd",
  enterprise_project_id: "0",
  file: "/v2/images/{id}/file",
  min_disk: 40,
  min_ram: 0,
  protected: false,
  schema: "/v2/schemas/image",
  self: "/v2/images/{id}",
  size: 0,
  status: "active",
  tags: ["tier=web"],
  updated_at: "2024-11-06T06:05:00Z",
  virtual_env_type: "FusionCompute",
  virtual_size: 0,
  visibility: "shared",
  __support_fc_inject: "false",
  hw_firmware_type: "bios",
  __support_arm: "false",
  max_ram: "0",
  __system__cmkid: "",
  __os_feature_list: '{"onekey_resetpasswd": "true"}',
  __account_code: "",
  hw_vif_multiqueue_enabled: "true",
  __is_offshelved: "false",
  __lazyloading: "False",
  __root_origin: "file",
  __sequence_num: "0",
  active_at: "2024-11-06T06:04:00Z",
  __support_agent_list: "hss,ces",
  __image_displayname: "web-server-golden",
  __support_amd: "false",
  __support_kvm_hi1822_hisriov: "true",
  __support_kvm_hi1822_hivirtionet: "true",
  os_shutdown_timeout: "60",
};
/** Fields IMS sends that the current model does not name (older models had them). */
const UNNAMED = { __image_location: "obs-bucket/image.zvhd2", __is_config_init: "true", architecture: "x86", deleted: false };

function rewrite(reply: FakeReply, edit: (json: Record<string, unknown>) => void): FakeReply {
  if (reply.status !== 200) return reply;
  const json = JSON.parse(reply.body) as Record<string, unknown>;
  edit(json);
  return { ...reply, body: JSON.stringify(json) };
}

/** The fake's answers as an IMS written from the documentation gives them. */
function documented(reply: FakeReply, request: { method: string; path: string }): FakeReply {
  const path = new URL(request.path, "http://ims").pathname;
  if (path === "/v2/cloudimages") {
    return rewrite(reply, (json) => {
      json.images = (json.images as Array<Record<string, unknown>>).map((image) => {
        const id = String(image.id);
        const full: Record<string, unknown> = { ...UNNAMED };
        for (const [name, value] of Object.entries(DOCUMENTED)) full[name] = typeof value === "string" ? value.replace("{id}", id) : value;
        return { ...full, ...image };
      });
      json.schema = "/v2/schemas/images";
    });
  }
  return rewrite(reply, (json) => {
    json.extension_field = "added by a newer IMS";
    const entities = json.entities as Record<string, unknown> | null | undefined;
    if (entities) entities.extension_field = "added by a newer IMS";
    for (const member of (json.members ?? []) as Array<Record<string, unknown>>) member.extension_field = "added by a newer IMS";
  });
}

describe("an IMS written from Huawei's documentation, every ImageInfo field and more in its listings", () => {
  let fake: FakeIms;
  beforeAll(async () => {
    fake = await startFakeIms({ jobDurationMs: 200, credentials: LOCAL_CREDENTIALS, transform: documented });
  });
  afterAll(() => fake.close());

  it("lists every documented field, with a value of the model's type", async () => {
    // The image's identity (id, name, owner) is the fake's own; every other field is documented here.
    expect(Object.keys(DOCUMENTED).sort()).toEqual(
      fields
        .map((f) => f.name)
        .filter((n) => !["id", "name", "owner"].includes(n))
        .sort(),
    );
    const response = await fetch(`${fake.url}/v2/cloudimages?visibility=shared&__imagetype=shared`, {
      headers: { "x-auth-token": RECIPIENT_TOKEN },
    });
    const [image] = ((await response.json()) as { images: Array<Record<string, unknown>> }).images;
    const isType = (value: unknown, type: Field["type"]) =>
      type === "str"
        ? typeof value === "string"
        : type === "int"
          ? Number.isInteger(value)
          : type === "bool"
            ? typeof value === "boolean"
            : Array.isArray(value);
    for (const field of fields)
      expect(isType(image?.[field.name], field.type), `${field.name}: ${JSON.stringify(image?.[field.name])}`).toBe(true);
    expect(image).toMatchObject(UNNAMED);
  });

  it("keeps the contract: every check and every Arazzo workflow passes, none skipped", async () => {
    const result = await runContract({ upstream: fake.url, spec: SPEC });
    expect(result.exitCode, result.report).toBe(CONTRACT_EXIT.kept);
    expect(
      result.checks.filter((c) => !c.ok || c.skipped),
      result.report,
    ).toEqual([]);
    expect(
      result.workflows.map((w) => [w.name, w.ok, w.skipped]),
      result.report,
    ).toEqual(result.workflows.map((w) => [w.name, true, undefined]));
    expect(result.workflows).toHaveLength(3);
    // The workflows did read the listings: the recipient's steps went through the proxy to it.
    expect(fake.requests.filter((r) => r.operation === "listImages" && r.status === 200).length).toBeGreaterThan(6);
  }, 240_000);
});
