/**
 * The errors the CLI raises itself, beside the library's: bad usage or input it found (exit 2),
 * and a run that ends with another documented code (an apply declined at its prompt, a partial
 * plan: exit 1).
 */

/** Bad usage or input found by the CLI itself (exit 2). */
export class UsageError extends Error {
  /** The command or group whose help to point at, such as `members add`. */
  readonly helpFor: string;
  constructor(message: string, helpFor = "") {
    super(message);
    this.name = "UsageError";
    this.helpFor = helpFor;
  }
}

/**
 * A run that ends with a documented code other than the error classes': an apply declined at its
 * prompt, a partial plan (exit 1). The message is printed as any error's.
 */
export class CliFailure extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, name = "CliFailure") {
    super(message);
    this.name = name;
    this.exitCode = exitCode;
  }
}
