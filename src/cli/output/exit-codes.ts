/**
 * The CLI's documented exit codes (every command's help and the README list them). 1 is shared,
 * as Terraform has it: an unexpected error, an apply declined at its prompt, a plan that could
 * not read everything.
 */
export const EXIT = { ok: 0, internal: 1, cancelled: 1, partial: 1, usage: 2, api: 3, jobFailed: 4, timeout: 5, interrupted: 130 } as const;
