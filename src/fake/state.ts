/**
 * The fake IMS's world: images, who owns them, whom they are shared with, and the jobs that
 * change that. Jobs move INIT → RUNNING → SUCCESS/FAIL over their duration; the change they
 * make is applied the moment they complete.
 */
import type { Job, JobProgress, JobResult } from "../../generated/ims.js";

export interface FakeImage {
  id: string;
  name: string;
  /** The project that owns the image. */
  owner: string;
  /** The projects the image is shared with. */
  members: Set<string>;
}

export interface FakeJob {
  id: string;
  /** The project that started the job. */
  project: string;
  images: string[];
  projects: string[];
  startedAt: number;
  durationMs: number;
  /** Set once the job has completed and its change has been applied. */
  results?: JobResult[];
}

/** The seed page's IDs: two images owned by OWNER_PROJECT, shared with two projects. */
export const SEED_IMAGES = ["d164b5df-1bc3-4c3f-893e-3e471fd16e64", "0b680482-acaa-4045-b14c-9a8c7dfe9c70"];
export const SEED_PROJECTS = ["9c61004714024f9586705d090530f9fa", "edc89b490d7d4392898e19b2deb34797"];
/** The project the fake treats as the caller unless a request says otherwise (X-Project-Id). */
export const OWNER_PROJECT = "5f1e0c3a9d2b4e6f8a7c1b3d5e7f9a0b";
/** An image owned by someone else, for the "only the owner can do this" case. */
export const FOREIGN_IMAGE = "7a3c9e1f-2b4d-4f6a-8c0e-1d3f5b7a9c2e";
export const FOREIGN_OWNER = "b2d4f6a8c0e1f3a5b7c9d1e3f5a7b9c1";

export interface SeedImage {
  id: string;
  name?: string;
  owner?: string;
  members?: string[];
}

export function defaultImages(): SeedImage[] {
  return [
    { id: SEED_IMAGES[0]!, name: "web-server-golden", members: SEED_PROJECTS },
    { id: SEED_IMAGES[1]!, name: "db-server-golden", members: SEED_PROJECTS },
    { id: FOREIGN_IMAGE, name: "someone-elses-image", owner: FOREIGN_OWNER, members: [SEED_PROJECTS[0]!] },
  ];
}

export class FakeState {
  readonly images = new Map<string, FakeImage>();
  readonly jobs = new Map<string, FakeJob>();

  constructor(seed: SeedImage[], readonly now: () => number = Date.now) {
    for (const image of seed) {
      this.images.set(image.id, {
        id: image.id,
        name: image.name ?? `image-${image.id.slice(0, 8)}`,
        owner: image.owner ?? OWNER_PROJECT,
        members: new Set(image.members ?? []),
      });
    }
  }

  /** The projects an image is shared with now, or undefined for an unknown image. */
  membersOf(imageId: string): string[] | undefined {
    const image = this.images.get(imageId);
    return image && [...image.members].sort();
  }

  startJob(id: string, project: string, images: string[], projects: string[], durationMs: number): FakeJob {
    const job: FakeJob = { id, project, images, projects, startedAt: this.now(), durationMs };
    this.jobs.set(id, job);
    return job;
  }

  /** Applies a due job's change once; every pair that was not shared fails. */
  settle(job: FakeJob): void {
    if (job.results || this.now() < job.startedAt + job.durationMs) return;
    job.results = job.images.flatMap((imageId) => job.projects.map((projectId) => {
      const removed = this.images.get(imageId)?.members.delete(projectId) ?? false;
      return { image_id: imageId, project_id: projectId, status: removed ? "success" : "failed" };
    }));
  }

  private phase(job: FakeJob): { status: Job["status"]; percent: number } {
    this.settle(job);
    if (job.results) return { status: job.results.every((r) => r.status === "success") ? "SUCCESS" : "FAIL", percent: 100 };
    const elapsed = this.now() - job.startedAt;
    if (elapsed < job.durationMs * 0.1) return { status: "INIT", percent: 0 };
    return { status: "RUNNING", percent: Math.min(99, Math.round((100 * elapsed) / job.durationMs)) };
  }

  private common(job: FakeJob, status: Job["status"]) {
    const failed = status === "FAIL";
    return {
      job_id: job.id,
      job_type: "imsDelImageMembersJob",
      begin_time: new Date(job.startedAt).toISOString(),
      end_time: job.results ? new Date(job.startedAt + job.durationMs).toISOString() : "",
      status,
      error_code: failed ? "IMG.0113" : null,
      fail_reason: failed ? "Failed to delete the tenant: some projects were not members of the image." : null,
    };
  }

  /** The job as `GET /v1/{project_id}/jobs/{job_id}` shows it. */
  showJob(job: FakeJob): Job {
    const { status, percent } = this.phase(job);
    return {
      ...this.common(job, status),
      entities: job.results ? { results: job.results } : status === "RUNNING" ? { process_percent: percent } : {},
    };
  }

  /** The job as `GET /v1/cloudimages/job/{job_id}` shows it. */
  showJobProgress(job: FakeJob): JobProgress {
    const { status, percent } = this.phase(job);
    return { ...this.common(job, status), entities: { image_id: job.images[0]!, process_percent: percent } };
  }
}
