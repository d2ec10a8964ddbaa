/**
 * Every JSON event the CLI prints with `--json`: name → when it is printed and its fields (each
 * line is `{"event": name, ...fields}`). The printer's `event()` is typed by it, and the README's
 * table is tested against it.
 */
export const JSON_EVENTS = {
  accepted: {
    when:
      "IMS accepted a change (members add, delete, accept, reject; images copy; api with an operation that starts a job): " +
      "printed at once, before any waiting",
    fields: {
      jobId: "the job's ID",
      requestId: "IMS's X-Request-Id for the request, or null",
      resume: "the command that follows the job, complete for this environment (see error.resume)",
    },
  },
  progress: {
    when: "while waiting: the job changed (status or progress)",
    fields: {
      jobId: "the job's ID",
      status: "INIT, RUNNING, SUCCESS or FAIL",
      percent: "entities.process_percent, or null",
      elapsedSeconds: "seconds since the wait began",
    },
  },
  pollError: {
    when: "while waiting: a poll got no answer or an error, and will be tried again",
    fields: {
      jobId: "the job's ID",
      attempt: "failed polls in a row, from 1",
      error: "the error: name, message and its class's fields (code, status, requestId, …)",
      retryInSeconds: "when the next poll comes",
    },
  },
  done: {
    when: "the job ended SUCCESS with no failed image (--wait, job wait): the last line",
    fields: { job: "the final job, as IMS returned it" },
  },
  job: {
    when: "job show: the job as it stands",
    fields: { job: "the job, as IMS returned it" },
  },
  member: {
    when: "members list (one line per member, every page) and members show",
    fields: { imageId: "the image", member: "the member as IMS returned it (member_id, status, member_type, created_at, updated_at, …)" },
  },
  image: {
    when:
      "images shared (one line per image, every page; each status in turn without --status) and accept --from and reject --from " +
      "(the pending ones)",
    fields: {
      image: "the image as IMS returned it (id, name, owner, …)",
      status: "your answer to the share: pending, accepted or rejected (the filter it was listed with)",
    },
  },
  listed: {
    when: "images list: one line per image, every page",
    fields: { image: "the image as IMS returned it (id, name, __imagetype, status, owner, …)" },
  },
  copied: {
    when: "a copy's job succeeded (images copy --wait, job wait on a copy's job): the new image",
    fields: { jobId: "the copy's job", imageId: "the new image's ID (the job's entities.image_id)" },
  },
  deleted: {
    when: "images delete: the image was deleted",
    fields: { imageId: "the image deleted" },
  },
  pinned: {
    when: "members accept --pin: one line per image, once its private copy exists",
    fields: {
      image: "the shared image accepted",
      copy: "the private copy's ID (yours: the owner's unsharing cannot take it away)",
      name: "the copy's name",
      jobId: "the copy's job, or null when a private image of that name was there already (it is the pin)",
    },
  },
  project: {
    when: "project: your project and how it was found",
    fields: {
      projectId: "the project ID",
      source: "flag (--project-id), env (HUAWEICLOUD_SDK_PROJECT_ID) or iam (found through IAM)",
      region: "for iam: the region whose project it is, else null",
      iamEndpoint: "for iam: the IAM endpoint asked, else null",
    },
  },
  quota: {
    when: "quota: your private images in the region",
    fields: { used: "how many you have", quota: "how many you may have" },
  },
  response: {
    when: "api: the operation's answer, as IMS returned it (one page of a paginated operation without --paginate)",
    fields: { operationId: "the operation called", body: "the answer's JSON body" },
  },
  item: {
    when: "api --paginate: one item of a paginated operation's answers (one line per item, every page)",
    fields: { operationId: "the operation called", item: "the item, as IMS returned it (a member, an image, …)" },
  },
  error: {
    when: "the command failed: the last line",
    fields: {
      exitCode: "the exit code the process ends with",
      jobId: "the job concerned, or null",
      resume:
        "the command that follows the job on, complete for this environment (--endpoint or --region, --project-id, " +
        "credentials' variables by name; credentials given as flags must be added: a shell comment says which), or null",
      check:
        "for a change whose outcome is unknown (error.mayHaveTakenEffect): the commands, complete for this environment, " +
        "that show whether it took effect; else []",
      error: "the error: name, message and its class's fields (code, status, requestId, job, failedImages, canonicalRequest, …)",
    },
  },
  imported: {
    when: "import: the sharing file for what exists, as a document (with -o, the file written as YAML too)",
    fields: {
      file: "the file written (-o), or null",
      desired: "the sharing file's document: regions → { projectId, endpoint?, images: image → { projects, domains, organizations } }",
      images: "per image imported: region, image, name (when listed), members ({kind, entry, status}: pending and rejected ones marked)",
      notes: "what the file does not say, and why: region, image (or absent), message",
    },
  },
  plan: {
    when: "plan and apply: the plan made from the sharing file (before apply asks or sends anything)",
    fields: {
      changes: "per image out of sync: region, image, mode, remove and add ({projects, domains, organizations}), current members, quota",
      inSync: "the images already as the file says ({region, image})",
      problems: "what stops the plan from being applied (a quota it would exceed)",
      batches: "the requests apply would send: region, kind (remove or add), images, members",
      unread:
        "what could not be read, so the plan is partial (apply refuses it): region, image (null for the whole region), images, " +
        "message, error",
      partial: "true when --target limited the plan (only those regions and images were read; apply changes only them)",
      targets: "the --target values the plan was limited to, else []",
      saved: "apply PLAN.json: the saved plan (path, createdAt, file: {name, sha256} of the sharing file, targets), else null",
    },
  },
  applyJob: {
    when:
      "apply: a request was accepted (type accepted), its job ended well (done) or not (failed), or Ctrl-C stopped the wait " +
      "for it or its sending (interrupted: still running, not waited for; not a failure)",
    fields: {
      type: "accepted, done, failed or interrupted",
      region: "the region",
      kind: "remove or add",
      images: "the images of the request",
      jobId: "the job's ID, or null when the request itself failed or was stopped before IMS answered",
      reason: "for failed and interrupted: why, else null",
    },
  },
  report: {
    when: "apply: what was done; the last line, unless Ctrl-C stopped it (then interrupted follows)",
    fields: {
      ok: "every change made and read back as the file says",
      interrupted: "Ctrl-C stopped the work (the interrupted event that follows lists what may still run)",
      images:
        "per image: region, image, removed, added, failed (with job IDs and reasons), unfinished (still running, not waited for, " +
        "or not sent), notes (a failure settled by reading back), verified, drift (null when in sync or not read back)",
      jobs:
        "every request: region, kind, images, members, jobId, status (SUCCESS, FAIL, interrupted: still running and not waited for, " +
        "error), job, error (name, message and fields), resent and settled (a request sent again after an unknown outcome)",
    },
  },
  nothing: {
    when: "accept --from and reject --from: nothing to send (no image from the owner is pending for your project): the last line",
    fields: { reason: "why nothing was sent" },
  },
  interrupted: {
    when: "Ctrl-C: the last line",
    fields: {
      jobId: "the job that goes on in IMS (a command that follows one job), or null",
      resume: "the command that follows it on, or null",
      jobs: "every job that may still run: region (null outside apply), jobId, resume",
    },
  },
} as const satisfies Record<string, { when: string; fields: Record<string, string> }>;

export type JsonEventName = keyof typeof JSON_EVENTS;
/** The fields of an event, exactly the documented ones. */
export type JsonEventFields<E extends JsonEventName> = { [K in keyof (typeof JSON_EVENTS)[E]["fields"]]: unknown };
