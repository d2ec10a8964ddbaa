/**
 * The command table: every `ims-sharing` command as one entry that declares the spec operation it
 * calls, its own flags, its arguments, whether it waits for a job, its examples and what it does.
 * Parsing (parse.ts), help (help.ts), tab completion (completion.ts) and the README tests read
 * this table; runCli (main.ts) does not change when a command is added. To add one, append an
 * entry built with `defineCommand` to `COMMANDS` (and a group description to `GROUPS` if its first
 * word is new).
 */
import type { OperationId } from "../../generated/operations.js";
import type { AcceptedJob, CallOptions, ImsClient } from "../client.js";
import type { ImageMember, SharedImage } from "../../generated/ims.js";
import { failedResults } from "../job.js";
import { bashCompletion, zshCompletion } from "./completion.js";
import { describeJob, EXIT, jobFailed, UsageError, type CliIo, type Output } from "./output.js";
import { COMMON_FLAGS, CONNECTION_FLAGS, CONNECTION_RULES, OUTPUT_FLAGS, WAIT_FLAGS, type Flags, type FlagValues } from "./flags.js";
import { FAKE_COMMAND } from "./fake-command.js";
import { SHARING_COMMANDS } from "./sharing-commands.js";

export type { FlagSpec, Flags, FlagValues } from "./flags.js";
export { COMMON_FLAGS, CONNECTION_FLAGS, CONNECTION_RULES, OUTPUT_FLAGS, WAIT_FLAGS } from "./flags.js";

/** A positional argument. */
export interface ArgSpec {
  readonly name: string;
  readonly help: string;
  readonly choices?: readonly string[];
}

/** What a command's `run` gets. */
export interface CommandContext<F extends Flags = Flags> {
  /** `members add`, … */
  readonly name: string;
  readonly values: FlagValues<F>;
  /** The positional arguments after the command's words, as many as it declares. */
  readonly args: readonly string[];
  readonly out: Output;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /** Whether to follow the job to its end (`--wait`, or always for `job wait`). */
  readonly wait: boolean;
  /** Your own project (`--project-id` or HUAWEICLOUD_SDK_PROJECT_ID), if given. */
  readonly projectId: string | undefined;
  /** Your own project, or a usage error saying what this command needs it for. */
  requireProjectId(why: string): string;
  /** The client, made on first use from the connection flags and the environment. */
  client(): ImsClient;
  /**
   * Sends a change that IMS runs as a job; prints the job ID the moment IMS accepts it, then
   * follows the job when waiting. Resolves with the exit code.
   */
  change(send: (ims: ImsClient, call: CallOptions) => Promise<AcceptedJob>): Promise<number>;
  /** Follows a job to its end with live output and prints the outcome; resolves with the exit code. */
  follow(jobId: string): Promise<number>;
  /** The whole table (for completion scripts). */
  readonly commands: readonly Command[];
  /** The environment (credentials named by a sharing file are read from it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Client options beyond the flags (tests: a faster polling schedule). */
  readonly clientOptions: CliIo["client"];
  /** Asks yes/no on the terminal; undefined when there is no terminal to ask on. */
  readonly confirm: CliIo["confirm"];
  /** How long to wait for a job (--timeout, default 5 minutes). */
  readonly timeoutMs: number;
}

/** One command of the table. */
export interface Command<F extends Flags = Flags> {
  /** The words that name it: `["members", "add"]`. */
  readonly path: readonly string[];
  /** The spec operation(s) it calls: its help starts with their summaries, methods and paths. */
  readonly operation?: OperationId | readonly OperationId[];
  /** The summary, for a command that calls no operation. */
  readonly summary?: string;
  /** More about it, after the summary. */
  readonly description?: string;
  readonly args?: readonly ArgSpec[];
  /** Its own flags; the connection, output and waiting flags are added from `connects` and `waits`. */
  readonly flags: F;
  /** `optional`: `--wait` and `--timeout`; `always`: `--timeout`; `never`: neither. */
  readonly waits: "never" | "optional" | "always";
  /** Whether it calls IMS (connection, credential and output flags). Default true. */
  readonly connects?: boolean;
  readonly examples: readonly string[];
  /**
   * The command parses its own arguments (and prints its own help): everything after its words
   * is passed as `ctx.args`, untouched. For a command whose options live in its own module.
   */
  readonly rawArgs?: boolean;
  /** Its exit codes, in help (default: the common ones, for a command that connects). */
  readonly exitCodes?: string;
  /**
   * The exit code for any error, when the command's flags ask for one (plan's
   * --detailed-exitcode makes every error 1, since 2 means "changes pending").
   */
  errorExitCode?(argv: readonly string[]): number | undefined;
  run(ctx: CommandContext<F>): Promise<number>;
}

/** Declares a command; `run` gets its flags typed. */
export function defineCommand<const F extends Flags>(command: Command<F>): Command<F> {
  return command;
}

/** Every flag a command accepts, in help order, with the section each belongs to (and its rules). */
export function flagSections(command: Command): { title: string; flags: Flags; notes?: readonly string[] }[] {
  const sections: { title: string; flags: Flags; notes?: readonly string[] }[] = [];
  if (Object.keys(command.flags).length) sections.push({ title: "Options", flags: command.flags });
  if (command.waits === "optional") sections.push({ title: "Waiting", flags: WAIT_FLAGS });
  if (command.waits === "always") sections.push({ title: "Waiting", flags: { timeout: WAIT_FLAGS.timeout } });
  if (command.connects !== false) {
    sections.push({ title: "Output", flags: OUTPUT_FLAGS });
    sections.push({ title: "Connection and credentials", flags: CONNECTION_FLAGS, notes: CONNECTION_RULES });
  }
  sections.push({ title: "", flags: COMMON_FLAGS });
  return sections;
}

/** Every flag a command accepts, by canonical name. */
export function allFlags(command: Command): Flags {
  return Object.assign({}, ...flagSections(command).map((s) => s.flags)) as Flags;
}

/** `members add` */
export function commandName(command: Command): string {
  return command.path.join(" ");
}

/** What the command groups are for, in help. */
export const GROUPS: Readonly<Record<string, string>> = {
  members: "who your images are shared with (as their owner), and your answers to shares (as a recipient)",
  images: "images other projects share with you",
  job: "the asynchronous jobs that changes run as",
};

// ---- Shared pieces of the entries. ----

const IMAGES = { type: "string", multiple: true, required: true, value: "ID", help: "an image ID (a UUID); repeat for several" } as const;
const ONE_IMAGE = { type: "string", required: true, value: "ID", help: "the image ID (a UUID)" } as const;
const PAGE_SIZE = { type: "string", value: "N", help: "items per request (1-1000); every page is read whatever the size" } as const;

/** The members named by add and delete: projects, accounts, organizations. */
const MEMBER_FLAGS = {
  image: IMAGES,
  "member-project": {
    type: "string",
    multiple: true,
    oneOf: "members",
    value: "ID",
    aliases: ["project"],
    help: "a project (tenant) acted on, 32 hex digits; repeat for several. Not your own project: that is --project-id",
  },
  "member-domain": {
    type: "string",
    multiple: true,
    oneOf: "members",
    value: "ID",
    aliases: ["domain"],
    help: "an account (domain) ID, 32 hex digits; repeat for several",
  },
  "member-organization": {
    type: "string",
    multiple: true,
    oneOf: "members",
    value: "URN",
    aliases: ["organization"],
    help: "an organization: its URN (organizations::ACCOUNT:organization:o-…, …:ou:o-…/ou-…) or a bare o-/r-/ou- ID; repeat for several",
  },
} as const satisfies Flags;

function membersBody(values: FlagValues<typeof MEMBER_FLAGS>) {
  return {
    images: values.image ?? [],
    ...(values["member-project"] ? { projects: values["member-project"] } : {}),
    ...(values["member-domain"] ? { domains: values["member-domain"] } : {}),
    ...(values["member-organization"] ? { organizations: values["member-organization"] } : {}),
  };
}

/** `--page-size` as a number. */
function pageSize(text: string | undefined, command: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1000)
    throw new UsageError(`--page-size: "${text}" is not a whole number from 1 to 1000`, command);
  return n;
}

const OWNER_PROJECT_WHY = "it is the image owner's project, where the image's members are listed";
const RECIPIENT_PROJECT_WHY = "it is the recipient project that answers the share (the request's project_id)";

const memberRow = (m: ImageMember) => [m.member_id, m.member_type ?? "project", m.status, m.updated_at ?? m.created_at ?? ""];
const imageRow = (i: SharedImage, status: ShareStatus) => [
  i.id,
  i.name ?? "",
  i.owner ?? "",
  status,
  i.__os_version ?? "",
  i.created_at ?? "",
];

/** The answers a recipient gives a share; IMS lists shared images by one of them at a time. */
const SHARE_STATUSES = ["pending", "accepted", "rejected"] as const;
type ShareStatus = (typeof SHARE_STATUSES)[number];

/**
 * Streams rows: each row as it comes (tab-separated) when stdout is not a terminal, one aligned
 * table at the end on a terminal.
 */
function rowPrinter(out: Output, headers: readonly string[], empty: string) {
  const rows: string[][] = [];
  return {
    add(row: string[]) {
      if (out.terminal) rows.push(row);
      else out.line(row.join("\t"));
    },
    end() {
      if (!out.terminal) return;
      if (rows.length) out.table(headers, rows);
      else out.line(empty);
    },
  };
}

// ---- The table. ----

export const COMMANDS: readonly Command[] = [
  defineCommand({
    path: ["members", "add"],
    operation: "addImageMembers",
    description:
      "Shares images with projects, accounts or organizations. Each project must then accept the share (members accept, from its own project); accounts and organizations need not.",
    flags: MEMBER_FLAGS,
    waits: "optional",
    examples: [
      "ims-sharing members add --region cn-north-4 --image d164b5df-1bc3-4c3f-893e-3e471fd16e64 \\\n      --member-project 9c61004714024f9586705d090530f9fa --wait",
      "ims-sharing members add --image ID --member-domain ACCOUNT_ID --member-organization o-abc123 --json",
    ],
    run: (ctx) => ctx.change((ims, call) => ims.addImageMembers(membersBody(ctx.values), call)),
  }),
  defineCommand({
    path: ["members", "delete"],
    operation: "deleteImageMembers",
    description: "Stops sharing images with projects, accounts or organizations.",
    flags: MEMBER_FLAGS,
    waits: "optional",
    examples: [
      "ims-sharing members delete --region cn-north-4 --image d164b5df-1bc3-4c3f-893e-3e471fd16e64 \\\n      --member-project 9c61004714024f9586705d090530f9fa --wait",
      "ims-sharing members delete --endpoint http://127.0.0.1:4010 --image ID --member-project ID --json",
    ],
    run: (ctx) => ctx.change((ims, call) => ims.deleteImageMembers(membersBody(ctx.values), call)),
  }),
  defineCommand({
    path: ["members", "list"],
    operation: "listImageMembers",
    description:
      "Lists every member of one of your images (every page): a table on a terminal, tab-separated lines in a pipe, JSON lines with --json. Needs --project-id, the owner's project.",
    flags: { image: ONE_IMAGE, "page-size": PAGE_SIZE },
    waits: "never",
    examples: ["ims-sharing members list --region cn-north-4 --project-id YOUR_PROJECT_ID --image d164b5df-1bc3-4c3f-893e-3e471fd16e64"],
    async run(ctx) {
      const image = ctx.values.image ?? "";
      ctx.requireProjectId(OWNER_PROJECT_WHY);
      const limit = pageSize(ctx.values["page-size"], ctx.name);
      const rows = rowPrinter(ctx.out, ["MEMBER", "TYPE", "STATUS", "UPDATED"], `image ${image} has no members`);
      for await (const member of ctx.client().listImageMembers(image, { signal: ctx.signal, ...(limit === undefined ? {} : { limit }) })) {
        ctx.out.event("member", { imageId: image, member });
        rows.add(memberRow(member));
      }
      rows.end();
      return EXIT.ok;
    },
  }),
  defineCommand({
    path: ["members", "show"],
    operation: "showImageMember",
    description:
      "Shows one member of an image: whether the share is pending, accepted or rejected. Needs --project-id (the owner's project, or the member's own).",
    flags: {
      image: ONE_IMAGE,
      member: { type: "string", required: true, value: "ID", help: "the member: a project, account or o-/ou- organization ID" },
    },
    waits: "never",
    examples: [
      "ims-sharing members show --project-id YOUR_PROJECT_ID --image d164b5df-1bc3-4c3f-893e-3e471fd16e64 --member 9c61004714024f9586705d090530f9fa",
    ],
    async run(ctx) {
      const image = ctx.values.image ?? "";
      ctx.requireProjectId("the member is read in the owner's project (or the member's own)");
      const member = await ctx.client().getImageMember(image, ctx.values.member ?? "", { signal: ctx.signal });
      ctx.out.event("member", { imageId: image, member });
      ctx.out.line(
        [
          `member ${member.member_id} of image ${member.image_id ?? image}: ${member.status}`,
          `type: ${member.member_type ?? "project"}`,
          member.urn && `urn: ${member.urn}`,
          member.created_at && `shared: ${member.created_at}`,
          member.updated_at && `updated: ${member.updated_at}`,
        ]
          .filter(Boolean)
          .join("\n"),
      );
      return EXIT.ok;
    },
  }),
  defineCommand({
    path: ["members", "accept"],
    operation: "updateImageMembers",
    summary: "Accept images shared with your project",
    description:
      "Accepts images shared with your project. Run it as the recipient: --project-id is your own project, sent as the request's project_id.",
    flags: {
      image: IMAGES,
      vault: { type: "string", value: "ID", help: "the vault (CBR) to accept a full-ECS image into; needed for those" },
    },
    waits: "optional",
    examples: [
      "ims-sharing members accept --region cn-north-4 --project-id YOUR_PROJECT_ID --image d164b5df-1bc3-4c3f-893e-3e471fd16e64 --wait",
    ],
    run(ctx) {
      const projectId = ctx.requireProjectId(RECIPIENT_PROJECT_WHY);
      const vault = ctx.values.vault;
      return ctx.change((ims, call) =>
        ims.updateImageMembers(
          {
            images: ctx.values.image ?? [],
            project_id: projectId,
            status: "accepted",
            ...(vault === undefined ? {} : { vault_id: vault }),
          },
          call,
        ),
      );
    },
  }),
  defineCommand({
    path: ["members", "reject"],
    operation: "updateImageMembers",
    summary: "Reject images shared with your project",
    description:
      "Rejects images shared with your project (they can be accepted later). Run it as the recipient: --project-id is your own project, sent as the request's project_id.",
    flags: { image: IMAGES },
    waits: "optional",
    examples: [
      "ims-sharing members reject --region cn-north-4 --project-id YOUR_PROJECT_ID --image d164b5df-1bc3-4c3f-893e-3e471fd16e64 --wait",
    ],
    run(ctx) {
      const projectId = ctx.requireProjectId(RECIPIENT_PROJECT_WHY);
      return ctx.change((ims, call) =>
        ims.updateImageMembers({ images: ctx.values.image ?? [], project_id: projectId, status: "rejected" }, call),
      );
    },
  }),
  defineCommand({
    path: ["images", "shared"],
    operation: "listSharedImages",
    description:
      "Lists the images other projects share with yours (every page), each with your answer to the share (STATUS: pending, accepted or rejected): a table on a terminal, tab-separated lines in a pipe, JSON lines with --json. Without --status, each status is listed in turn (IMS says the status only through the filter).",
    flags: {
      status: { type: "string", value: "S", choices: SHARE_STATUSES, help: "only shares you answered so (or not yet: pending)" },
      owner: { type: "string", value: "P", help: "only images shared by this project" },
      "page-size": PAGE_SIZE,
    },
    waits: "never",
    examples: [
      "ims-sharing images shared --region cn-north-4 --status pending",
      "ims-sharing images shared --owner 5f1e0c3a9d2b4e6f8a7c1b3d5e7f9a0b --json",
    ],
    async run(ctx) {
      const { status, owner } = ctx.values;
      const limit = pageSize(ctx.values["page-size"], ctx.name);
      const filters = [status === undefined ? undefined : `with status ${status}`, owner === undefined ? undefined : `by ${owner}`].filter(
        Boolean,
      );
      const rows = rowPrinter(
        ctx.out,
        ["IMAGE", "NAME", "OWNER", "STATUS", "OS", "CREATED"],
        `no image is shared with you${filters.length ? ` ${filters.join(" ")}` : ""}`,
      );
      for (const memberStatus of status === undefined ? SHARE_STATUSES : [status as ShareStatus]) {
        const options = {
          signal: ctx.signal,
          memberStatus,
          ...(owner === undefined ? {} : { owner }),
          ...(limit === undefined ? {} : { limit }),
        };
        for await (const image of ctx.client().listSharedImages(options)) {
          ctx.out.event("image", { image, status: memberStatus });
          rows.add(imageRow(image, memberStatus));
        }
      }
      rows.end();
      return EXIT.ok;
    },
  }),
  defineCommand({
    path: ["job", "show"],
    operation: ["showJobProgress", "showJob"],
    description:
      "Shows a job once; with --project-id, with its per-image results. Exits 4 when the job failed (or succeeded with failed images).",
    args: [{ name: "JOB_ID", help: "the job, as printed when IMS accepted the change" }],
    flags: {},
    waits: "never",
    examples: ["ims-sharing job show edc89b490d7d4392898e19b2deb34797 --region cn-north-4"],
    async run(ctx) {
      const jobId = ctx.args[0] ?? "";
      const ims = ctx.client();
      const job = ctx.projectId ? await ims.getJob(jobId, { signal: ctx.signal }) : await ims.getJobProgress(jobId, { signal: ctx.signal });
      ctx.out.event("job", { job });
      ctx.out.line(
        [
          `job ${job.job_id}: ${describeJob(job)}`,
          job.job_type && `type: ${job.job_type}`,
          job.begin_time && `began: ${job.begin_time}`,
          job.end_time && `ended: ${job.end_time}`,
          job.error_code && `error: ${job.error_code} ${job.fail_reason ?? ""}`.trimEnd(),
          ...failedResults(job).map(
            (r) => `failed: image ${r.image_id ?? "?"}${r.project_id ? ` with ${r.project_id}` : ""} (${r.status ?? "no status"})`,
          ),
        ]
          .filter(Boolean)
          .join("\n"),
      );
      return jobFailed(job) ? EXIT.jobFailed : EXIT.ok;
    },
  }),
  defineCommand({
    path: ["job", "wait"],
    operation: ["showJobProgress", "showJob"],
    summary: "Follow an asynchronous job until it ends",
    description:
      "Polls the job (with --project-id, with its per-image results) until it ends: exit 0 on SUCCESS, 4 on FAIL (or failed images), 5 on timeout, 3 when IMS cannot be reached. Each failed poll is shown as it happens.",
    args: [{ name: "JOB_ID", help: "the job, as printed when IMS accepted the change" }],
    flags: {},
    waits: "always",
    examples: ["ims-sharing job wait edc89b490d7d4392898e19b2deb34797 --region cn-north-4 --timeout 10m"],
    run: (ctx) => ctx.follow(ctx.args[0] ?? ""),
  }),
  defineCommand({
    path: ["completion"],
    summary: "Print a tab-completion script for bash or zsh",
    description:
      'Prints a completion script made from the command table. Install it once:\n  bash: ims-sharing completion bash > ~/.local/share/bash-completion/completions/ims-sharing\n  zsh:  ims-sharing completion zsh > "${fpath[1]}/_ims-sharing"   (then start a new shell)\nor load it in the current shell: source <(ims-sharing completion bash).',
    args: [{ name: "SHELL", help: "bash or zsh", choices: ["bash", "zsh"] }],
    flags: {},
    waits: "never",
    connects: false,
    exitCodes: "Exit codes: 0 printed, 2 bad usage (a shell other than bash or zsh).",
    examples: [
      "ims-sharing completion bash > ~/.local/share/bash-completion/completions/ims-sharing",
      "source <(ims-sharing completion zsh)",
    ],
    run(ctx) {
      ctx.out.line(ctx.args[0] === "zsh" ? zshCompletion(ctx.commands) : bashCompletion(ctx.commands));
      return Promise.resolve(EXIT.ok);
    },
  }),
  ...SHARING_COMMANDS,
  FAKE_COMMAND,
  defineCommand({
    path: ["contract"],
    summary: "Check an IMS endpoint against the spec (the contract suite)",
    description:
      "Runs the contract suite through Prism's validating proxy against an upstream (a local fake by default): every request and answer checked against the spec shipped in this package. Read-only on a real account unless you name the images and projects it may change. Needs @stoplight/prism-cli@5.14.2 installed beside ims-sharing (an optional peer dependency). Options: ims-sharing contract --help.",
    flags: {},
    waits: "never",
    connects: false,
    rawArgs: true,
    examples: [
      "ims-sharing contract --region cn-north-4 --project-id YOUR_PROJECT_ID",
      "ims-sharing contract --upstream http://127.0.0.1:4011",
    ],
    async run(ctx) {
      // Loaded when run: the suite pulls in Prism only then, and the other commands never load it.
      const { parseContractArgs, runContract, CONTRACT_EXIT } = await import("../contract/run.js");
      const parsed = parseContractArgs(ctx.args, ctx.env);
      if (parsed.kind === "help" || parsed.kind === "list-broken") {
        ctx.out.line(parsed.text);
        return EXIT.ok;
      }
      if (parsed.kind === "usage") throw new UsageError(parsed.message, ctx.name);
      const result = await runContract({ ...parsed.options, log: (text) => ctx.out.line(text), signal: ctx.signal });
      if (result.verdict === "usage") ctx.out.note("See: ims-sharing contract --help");
      return result.exitCode === CONTRACT_EXIT.kept ? EXIT.ok : result.exitCode;
    },
  }),
];
