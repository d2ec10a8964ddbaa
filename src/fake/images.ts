/**
 * The fake's image query, `GET /v2/cloudimages` (`ListImages`): which images a project sees (its
 * own private ones, public ones, and those shared with it, by the share's status), IMS's filters,
 * the order (`sort_key`, `sort_dir`) and the pages (`limit`, `marker`: the last ID of the
 * previous page), and an image as IMS lists it (Huawei's `ImageInfo`), as the caller sees it.
 */
import type { ImageInfo, ImageList, MemberStatus } from "../../generated/ims.js";
import { refuse, type FakeImage, type Refusal } from "./model.js";
import type { QueryOf } from "./routes.js";
import { operationSpec } from "../operations.js";

/** The query, as the spec validated it. */
export type ImagesQuery = QueryOf<"listImages">;

/** How the caller relates to an image: the `__imagetype` it sees it as (`gold` for public images). */
type Relation = "private" | "gold" | "shared";

/** IMS's member times have whole seconds (`2016-09-01T02:05:14Z`). */
const imageTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** What the caller sees an image as, or undefined when it does not see it (a share not for it, someone else's). */
function relationOf(image: FakeImage, caller: string, memberStatus: MemberStatus): Relation | undefined {
  if (image.owner === caller) return image.visibility === "public" ? "gold" : "private";
  if (image.visibility === "public") return "gold";
  const member = image.members.get(caller);
  return member?.type === "project" && member.status === memberStatus ? "shared" : undefined;
}

/** `visibility` as IMS names what each `__imagetype` is. */
const VISIBILITY: Record<Relation, "private" | "public" | "shared"> = { private: "private", gold: "public", shared: "shared" };

/** `created_at=gt:2018-10-28T10:00:00Z`: whether `ms` passes the filter (an unreadable time matches nothing). */
function timeFilter(filter: string, ms: number): boolean {
  const [op, ...rest] = filter.split(":");
  const at = Date.parse(rest.join(":").replace(" ", "T").replace(/(\d)$/, "$1Z"));
  if (Number.isNaN(at)) return false;
  const t = Math.floor(ms / 1000) * 1000;
  const ops: Record<string, boolean> = { gt: t > at, gte: t >= at, lt: t < at, lte: t <= at, eq: t === at, neq: t !== at };
  return ops[op ?? ""] ?? false;
}

/** Each filter that IMS applies to an image, keyed by the query parameter (an absent one passes every image). */
const FILTERS: { [P in keyof ImagesQuery]?: (view: ImageInfo, image: FakeImage, value: NonNullable<ImagesQuery[P]>) => boolean } = {
  __imagetype: (view, _image, value) => view.__imagetype === value,
  visibility: (view, _image, value) => view.visibility === value,
  owner: (_view, image, value) => image.owner === value,
  id: (_view, image, value) => image.id === value,
  name: (_view, image, value) => image.name === value,
  status: (view, _image, value) => view.status === value,
  __os_type: (view, _image, value) => view.__os_type === value,
  __os_bit: (view, _image, value) => view.__os_bit === value,
  __platform: (view, _image, value) => view.__platform === value,
  __isregistered: (view, _image, value) => view.__isregistered === value,
  container_format: (view, _image, value) => view.container_format === value,
  disk_format: (view, _image, value) => view.disk_format === value,
  min_disk: (_view, image, value) => image.minDisk === value,
  min_ram: (_view, image, value) => image.minRam === value,
  protected: (_view, image, value) => image.protected === value,
  tag: (_view, image, value) => image.tags.includes(value),
  virtual_env_type: (view, _image, value) => view.virtual_env_type === value,
  // The fake's images are all x86, in the default enterprise project, and claim no __support_* feature.
  architecture: (_view, _image, value) => value === "x86",
  enterprise_project_id: (_view, _image, value) => value === "0" || value === "all_granted_eps",
  created_at: (_view, image, value) => timeFilter(value, image.createdAt),
  updated_at: (_view, image, value) => timeFilter(value, image.createdAt),
};
/** ListImages' `__support_*` filters, as the table lists them: the fake's images claim none. */
const SUPPORT_FLAGS = operationSpec("listImages").queryParams.filter((name) => name.startsWith("__support_"));

/** An image as IMS lists it to `relation`'s caller: every field Huawei marks mandatory, and the optional ones such an image has. */
export function imageView(image: FakeImage, relation: Relation): ImageInfo {
  const made = imageTime(image.createdAt);
  const windows = /windows/i.test(image.osVersion);
  return {
    id: image.id,
    name: image.name,
    owner: image.owner,
    visibility: VISIBILITY[relation],
    __imagetype: relation,
    __description: image.description,
    status: image.status,
    protected: image.protected,
    tags: [...image.tags],
    min_disk: image.minDisk,
    min_ram: image.minRam,
    __os_type: windows ? "Windows" : "Linux",
    __os_bit: /32bit/i.test(image.osVersion) ? "32" : "64",
    __os_version: image.osVersion,
    __platform: windows ? "Windows" : (image.osVersion.split(" ")[0] ?? "Other"),
    // What a system disk of min_disk GB compresses to, roughly; a data disk's image is smaller.
    __image_size: String(Math.round(image.minDisk * 2 ** 30 * (image.kind === "data" ? 0.05 : 0.055))),
    __image_source_type: "uds",
    __isregistered: "true",
    container_format: "bare",
    disk_format: image.kind === "iso" ? "iso" : "zvhd",
    virtual_env_type: image.kind === "data" ? "DataImage" : "FusionCompute",
    self: `/v2/images/${image.id}`,
    schema: "/v2/schemas/image",
    file: `/v2/images/${image.id}/file`,
    created_at: made,
    updated_at: made,
    active_at: made,
  };
}

type Listed = { image: FakeImage; view: ImageInfo };

/** The order: `sort_key` (default: creation time) in `sort_dir` (default desc), ties by ID; with neither, by ID (the fake's default). */
function comparator(query: ImagesQuery): (a: Listed, b: Listed) => number {
  const byId = (a: Listed, b: Listed) => (a.image.id < b.image.id ? -1 : a.image.id > b.image.id ? 1 : 0);
  if (query.sort_key === undefined && query.sort_dir === undefined) return byId;
  const key = query.sort_key;
  const value = (l: Listed): string | number =>
    key === undefined ? l.image.createdAt : key === "size" ? Number(l.view.__image_size) : (l.view[key] ?? "");
  const sign = query.sort_dir === "asc" ? 1 : -1;
  return (a, b) => {
    const [x, y] = [value(a), value(b)];
    return x < y ? -sign : x > y ? sign : byId(a, b);
  };
}

/**
 * `GET /v2/cloudimages` for `caller`: the images it sees that pass every filter, in order, a page
 * of `limit` (default 500) after `marker`. Shared images are those whose share is `member_status`
 * (default `accepted`, as OpenStack Glance lists them). A marker need not be listed any more
 * (an image unshared in between) in the default order, by ID, where the page starts after it; in
 * another order it must be listed, or it is refused.
 */
export function listImages(images: Iterable<FakeImage>, caller: string, query: ImagesQuery): ImageList | Refusal {
  const memberStatus = query.member_status ?? "accepted";
  const listed: Listed[] = [];
  for (const image of images) {
    const relation = relationOf(image, caller, memberStatus);
    if (!relation) continue;
    const view = imageView(image, relation);
    const passes = Object.entries(FILTERS).every(([name, test]) => {
      const value = query[name as keyof ImagesQuery];
      return value === undefined || (test as (v: ImageInfo, i: FakeImage, value: unknown) => boolean)(view, image, value);
    });
    if (passes && SUPPORT_FLAGS.every((flag) => (query as Record<string, unknown>)[flag] === undefined)) listed.push({ image, view });
  }
  const order = comparator(query);
  listed.sort(order);
  let rest = listed;
  if (query.marker !== undefined) {
    const marker = query.marker;
    const known = listed.find((l) => l.image.id === marker);
    if (query.sort_key === undefined && query.sort_dir === undefined) rest = listed.filter((l) => l.image.id > marker);
    else if (known) rest = listed.filter((l) => order(l, known) > 0);
    else return refuse("IMG.0001", `The request format is incorrect: marker ${marker} is not an image in this listing.`);
  }
  return { images: rest.slice(0, query.limit ?? 500).map((l) => l.view) };
}
