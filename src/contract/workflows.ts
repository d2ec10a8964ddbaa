/**
 * The Arazzo workflows of a contract run (openapi/workflows, run by `redocly respect` through the
 * validating proxy, see respect.ts): which may run against this target and with what inputs,
 * each skipped with the reason when it may not, and their outcomes for the report.
 */
import path from "node:path";
import type { ImsAuth } from "../auth.js";
import type { ContractRecipient } from "./context.js";
import { runWorkflow, workflowsDir, workflowsUnavailable } from "./respect.js";

/** One Arazzo workflow's outcome. */
export interface WorkflowOutcome {
  name: string;
  ok: boolean;
  skipped?: string;
  /** Respect's report, on failure. */
  output?: string;
  ms: number;
}

const WORKFLOWS = {
  unshareImage: "unshare-image.arazzo.yaml",
  shareAcceptListUnshare: "share-accept-unshare.arazzo.yaml",
  rejectThenAcceptLater: "reject-then-accept.arazzo.yaml",
} as const;

/** What the workflows may use: the run's tenants and the resources the writes may change. */
export interface WorkflowWorld {
  auth: ImsAuth;
  projectId?: string | undefined;
  images: readonly string[];
  memberProjects: readonly string[];
  recipient?: ContractRecipient | undefined;
}

interface Plan {
  id: keyof typeof WORKFLOWS;
  skip: string | undefined;
  inputs: () => Record<string, unknown>;
}

const tokenOf = (auth: ImsAuth | undefined): string | undefined => (auth && "token" in auth ? auth.token : undefined);

/** Each workflow, with why it cannot run here (the workflows authenticate with tokens, and change sharing). */
function plans(world: WorkflowWorld): Plan[] {
  const { auth, projectId, images, memberProjects, recipient } = world;
  const ownerToken = tokenOf(auth);
  const recipientToken = tokenOf(recipient?.auth);
  const twoTenants = (id: Plan["id"]): Plan => ({
    id,
    skip: !recipient
      ? "it needs a second tenant (--recipient-*)"
      : !ownerToken || !recipientToken
        ? "it authenticates both tenants with IAM tokens (IMS_TOKEN, IMS_RECIPIENT_TOKEN)"
        : !(images.length && projectId)
          ? "it changes sharing: name an image (--image)"
          : undefined,
    inputs: () => ({ ownerToken, recipientToken, image: images.at(-1), ownerProject: projectId, recipientProject: recipient?.projectId }),
  });
  return [
    {
      id: "unshareImage",
      skip: !ownerToken
        ? "it authenticates with an IAM token (IMS_TOKEN)"
        : !(images.length && memberProjects.length && projectId)
          ? "it changes sharing: name an image and a member project (--image, --member-project)"
          : undefined,
      inputs: () => ({ token: ownerToken, image: images[0], project: memberProjects[0], ownerProject: projectId }),
    },
    twoTenants("shareAcceptListUnshare"),
    twoTenants("rejectThenAcceptLater"),
  ];
}

export interface WorkflowRun {
  /** The validating proxy, which respect calls. */
  server: string;
  world: WorkflowWorld;
  /** Why none may run (the checks failed, `--no-workflows`), if none may; their absence from here is added. */
  skipAll: string | undefined;
  /** The longest one workflow may take. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  log(text: string): void;
}

/** Runs (or skips) every workflow, logging each; `interrupted` when the run was stopped before one could start. */
export async function runWorkflows(run: WorkflowRun): Promise<{ outcomes: WorkflowOutcome[]; interrupted: boolean }> {
  const outcomes: WorkflowOutcome[] = [];
  // Undefined only when the workflows and Redocly's CLI are here, so dir is too.
  const skipAll = run.skipAll ?? workflowsUnavailable();
  const dir = workflowsDir();
  for (const plan of plans(run.world)) {
    const name = `Arazzo workflow ${plan.id} (${WORKFLOWS[plan.id]}, redocly respect)`;
    const skipped = skipAll ?? plan.skip;
    if (skipped) {
      outcomes.push({ name, ok: true, skipped, ms: 0 });
      run.log(`- ${name} (skipped: ${skipped})`);
      continue;
    }
    if (run.signal?.aborted) return { outcomes, interrupted: true };
    const started = Date.now();
    const workflow = path.join(dir!, WORKFLOWS[plan.id]);
    const done = await runWorkflow({ workflow, server: run.server, inputs: plan.inputs(), timeoutMs: run.timeoutMs, signal: run.signal });
    const outcome: WorkflowOutcome = { name, ok: done.ok, ms: Date.now() - started, ...(done.ok ? {} : { output: done.output }) };
    outcomes.push(outcome);
    const { passed, failed } = done.steps;
    run.log(`${done.ok ? "✔" : "✖"} ${name}: ${passed} steps passed, ${failed} failed (${(outcome.ms / 1000).toFixed(1)} s)`);
    if (!done.ok) {
      const indented = done.output
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => `    ${l}`);
      run.log(indented.join("\n"));
    }
  }
  return { outcomes, interrupted: false };
}
