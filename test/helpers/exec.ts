// What a command that failed left behind, from the error node:child_process's execFile rejects
// with (its exit code, what it printed), typed for the tests that expect a command to fail.
export interface Failure {
  /** The exit code, or a string such as "ENOENT" when the command did not start. */
  code: number | string | undefined;
  stdout: string;
  stderr: string;
  /** The error's message: "Command failed: …" and the stderr, or why it did not start. */
  message: string;
}

export function failure(error: unknown): Failure {
  const { code, stdout, stderr } = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  return {
    code: typeof code === "number" || typeof code === "string" ? code : undefined,
    stdout: typeof stdout === "string" ? stdout : "",
    stderr: typeof stderr === "string" ? stderr : "",
    message: error instanceof Error ? error.message : String(error),
  };
}

/** What a compiler run printed when it failed (its errors), or why it failed when it printed nothing. */
export function failureOutput(error: unknown): string {
  const f = failure(error);
  return `${f.stdout}${f.stderr}` || f.message;
}
