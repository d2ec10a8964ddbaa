// The seed page's IDs, and job bodies shaped like the spec's examples.
import type { Job } from "../../src/index.js";

export const IMAGES = ["d164b5df-1bc3-4c3f-893e-3e471fd16e64", "0b680482-acaa-4045-b14c-9a8c7dfe9c70"];
export const PROJECTS = ["9c61004714024f9586705d090530f9fa", "edc89b490d7d4392898e19b2deb34797"];
export const SEED_BODY = { images: IMAGES, projects: PROJECTS };
export const JOB_ID = "edc89b490d7d4392898e19b2deb34797";
export const PROJECT_ID = "9c61004714024f9586705d090530f9fa";

export function job(status: Job["status"], extra: Partial<Job> = {}): Job {
  return {
    job_id: JOB_ID,
    job_type: "imsDelImageMembersJob",
    begin_time: "2024-11-06T06:33:32.781Z",
    end_time: status === "SUCCESS" || status === "FAIL" ? "2024-11-06T06:33:34.181Z" : "",
    status,
    error_code: status === "FAIL" ? "IMG.0113" : null,
    fail_reason: status === "FAIL" ? "Failed to delete the tenant." : null,
    entities: {},
    ...extra,
  };
}

/** Polling as fast as possible, for tests. */
export const FAST_POLL = { initialDelayMs: 1, growth: 0, maxDelayMs: 1 };
