/**
 * The fake's tenants as IAM sees them, for `GET /v3/projects` (KeystoneListProjects), which the
 * fake answers on the same port as IMS: each tenant is an account (domain) with one project per
 * region, named after the region (`cn-north-4`, its parent the account), and perhaps
 * sub-projects, named `<region>_<suffix>` as Huawei's IAM names them, whose parent is the
 * region's project. IMS's calls are made by projects; an IAM call is answered for the account of
 * the project the credentials act as.
 *
 * IAM's `name` filter matches a name exactly, so a region's name finds its own project alone.
 * Huawei's SDK cores nonetheless refuse several matches ("Multiple project ids found"); when IAM
 * lists several is not documented, so the fake lists a region's sub-projects with it only when
 * told to (`subProjectsMatchRegion`), to show that refusal.
 */
import type { Project, ProjectList } from "../../generated/ims.js";
import type { QueryOf } from "./routes.js";

/** A tenant: an account and its projects. */
export interface FakeTenant {
  /** A short name for people (banners, tests): `owner`, `recipient`, … */
  name: string;
  /** The account (domain) ID, 32 hexadecimal digits. */
  domainId: string;
  /** The account's own project of each region, named after the region: region → project ID. */
  projects: Readonly<Record<string, string>>;
  /** Sub-projects: `name` is `<region>_<suffix>`; the parent is that region's project. */
  subProjects?: ReadonlyArray<{ id: string; name: string }> | undefined;
}

/** The owner's account: the domain of the spec's project example (ProjectsOneRegion), whose project is OWNER_PROJECT. */
export const OWNER_DOMAIN = "3a2d95404f964a6aba78819bf8ddc1e3";
/** The recipient's account. */
export const RECIPIENT_DOMAIN = "8e4b2c6a0d1f4e3b9a7c5d2e1f0a9b8c";
/** The account of the other project of Huawei's example (SEED_PROJECTS[0]). */
export const EXAMPLE_DOMAIN = "c4a7e2b9d1f04c6e8b3a5d7f9e1c2b4a";
/** The account of FOREIGN_OWNER. */
export const FOREIGN_DOMAIN = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
/** An account with a sub-project in the fake's region beside the region's own project. */
export const SUBPROJECT_DOMAIN = "6d5c4b3a29180f7e6d5c4b3a29180f7e";
/** SUBPROJECT_DOMAIN's own project of the fake's region (what `SUBPROJECT_TOKEN` acts as). */
export const SUBPROJECT_REGION_PROJECT = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
/** SUBPROJECT_DOMAIN's sub-project in the fake's region, named `<region>_sub`. */
export const SUB_PROJECT = "0f9e8d7c6b5a49382716a5b4c3d2e1f0";
/** The token that acts as SUBPROJECT_REGION_PROJECT. */
export const SUBPROJECT_TOKEN = "fake-subproject-token";

/** The built-in tenants in `region`: owner, recipient, the example's other project, the foreign owner, and one with a sub-project. */
export function defaultTenants(
  region: string,
  projects: { owner: string; recipient: string; example: string; foreign: string },
): FakeTenant[] {
  return [
    { name: "owner", domainId: OWNER_DOMAIN, projects: { [region]: projects.owner } },
    { name: "recipient", domainId: RECIPIENT_DOMAIN, projects: { [region]: projects.recipient } },
    { name: "example", domainId: EXAMPLE_DOMAIN, projects: { [region]: projects.example } },
    { name: "foreign", domainId: FOREIGN_DOMAIN, projects: { [region]: projects.foreign } },
    {
      name: "subprojects",
      domainId: SUBPROJECT_DOMAIN,
      projects: { [region]: SUBPROJECT_REGION_PROJECT },
      subProjects: [{ id: SUB_PROJECT, name: `${region}_sub` }],
    },
  ];
}

/** Every project of a tenant, as IAM lists it (Huawei's `ProjectResult`: all eight fields). */
function projectsOf(tenant: FakeTenant, base: string): Project[] {
  const project = (id: string, name: string, parentId: string, description: string): Project => ({
    id,
    name,
    domain_id: tenant.domainId,
    parent_id: parentId,
    enabled: true,
    is_domain: false,
    description,
    links: { self: `${base}/v3/projects/${id}`, previous: null, next: null },
  });
  const regional = Object.entries(tenant.projects).map(([region, id]) => project(id, region, tenant.domainId, ""));
  const subs = (tenant.subProjects ?? []).map((sub) => {
    const region = sub.name.split("_")[0] ?? "";
    return project(sub.id, sub.name, tenant.projects[region] ?? tenant.domainId, `a sub-project of ${region}`);
  });
  return [...regional, ...subs];
}

/** The tenants the fake knows, and IAM's project query over them. */
export class Tenants {
  readonly list: readonly FakeTenant[];
  private readonly subProjectsMatchRegion: boolean;

  constructor(tenants: readonly FakeTenant[], options: { subProjectsMatchRegion?: boolean | undefined } = {}) {
    this.list = tenants;
    this.subProjectsMatchRegion = options.subProjectsMatchRegion ?? false;
  }

  /** The tenant a project (a region's or a sub-project) belongs to. */
  tenantOf(projectId: string): FakeTenant | undefined {
    const id = projectId.toLowerCase();
    return this.list.find((t) => Object.values(t.projects).includes(id) || t.subProjects?.some((s) => s.id === id));
  }

  /**
   * `GET /v3/projects` for the account of `caller` (none known: no projects): the filters
   * (`name` exactly, `domain_id`, `parent_id`, `enabled`), then `page`/`per_page`; `base` is the
   * URL the links are made from.
   */
  listProjects(caller: string, query: QueryOf<"keystoneListProjects">, base: string): ProjectList {
    const tenant = this.tenantOf(caller);
    const all = tenant ? projectsOf(tenant, base) : [];
    const named = (p: Project) =>
      query.name === undefined ||
      p.name === query.name ||
      (this.subProjectsMatchRegion && Object.hasOwn(tenant?.projects ?? {}, query.name) && p.name.startsWith(`${query.name}_`));
    const found = all.filter(
      (p) =>
        named(p) &&
        (query.domain_id === undefined || p.domain_id === query.domain_id) &&
        (query.parent_id === undefined || p.parent_id === query.parent_id) &&
        (query.enabled === undefined || p.enabled === query.enabled),
    );
    const perPage = query.page !== undefined && query.per_page !== undefined ? query.per_page : undefined;
    const start = perPage === undefined ? 0 : ((query.page ?? 1) - 1) * perPage;
    const projects = perPage === undefined ? found : found.slice(start, start + perPage);
    const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    return { projects, links: { self: `${base}/v3/projects${search ? `?${search}` : ""}`, previous: null, next: null } };
  }
}
