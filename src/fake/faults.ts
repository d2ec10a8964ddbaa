/**
 * Faults on demand for the fake IMS: latency, any status (with `Retry-After`), dropped
 * connections, answers lost after the change was made, malformed bodies, one image failing in
 * its jobs; each for requests of a method and path, all of them or the next `times`.
 */

export type FaultMatch = {
  /** Only requests with this method. */
  method?: string | undefined;
  /** Only requests whose path starts with this text, or matches this expression. */
  path?: string | RegExp | undefined;
  /** Only the next `times` matching requests (default: all of them). */
  times?: number | undefined;
};
/** A fault to inject into matching requests (all of them, or the next `times`). */
export type Fault = FaultMatch &
  (
    | { type: "latency"; delayMs: number }
    | { type: "status"; status: number; retryAfter?: number | string | undefined }
    | { type: "drop" }
    /**
     * The request is handled as usual (a change is made, its job started), then the connection is
     * closed without an answer: the client cannot know whether the change reached IMS.
     */
    | { type: "dropAnswer" }
    | { type: "malformed"; body?: string | undefined }
    /**
     * The member job of a matching request fails every pair of this one image (its results say
     * `failed`) while the rest of the batch goes on: the job is SUCCESS unless nothing else
     * succeeded. `code` is what a job failing on it reports (default IMG.0112 for add and update,
     * IMG.0113 for delete). `times` counts requests naming the image.
     */
    | { type: "imageFailure"; image: string; code?: string | undefined }
  );

function matches(fault: Fault, method: string, path: string): boolean {
  if (fault.method && fault.method.toUpperCase() !== method) return false;
  if (fault.path === undefined) return true;
  return typeof fault.path === "string" ? path.startsWith(fault.path) : fault.path.test(path);
}

/** The faults still to come, used up as they match. */
export class Faults {
  private readonly list: Fault[];

  constructor(initial: readonly Fault[] = []) {
    this.list = initial.map((f) => ({ ...f }));
  }

  /** Adds a fault (a copy: its count is the fake's own). */
  add(fault: Fault): void {
    this.list.push({ ...fault });
  }

  /** The first matching fault of a type, consumed if it has a count. */
  take<T extends Fault["type"]>(method: string, path: string, type: T): Extract<Fault, { type: T }> | undefined {
    const fault = this.list.find((f): f is Extract<Fault, { type: T }> => f.type === type && matches(f, method, path));
    if (fault) this.consume(fault);
    return fault;
  }

  /** Injected image failures for a member job: image → the code to report (`defaultCode` unless the fault names one). */
  imageFailures(method: string, path: string, images: readonly string[], defaultCode: string): Map<string, string> {
    const failures = new Map<string, string>();
    for (const image of images) {
      const fault = this.list.find(
        (f): f is Extract<Fault, { type: "imageFailure" }> => f.type === "imageFailure" && f.image === image && matches(f, method, path),
      );
      if (!fault) continue;
      this.consume(fault);
      failures.set(image, fault.code ?? defaultCode);
    }
    return failures;
  }

  /** Consumes one use of a fault with a count; drops it when used up. */
  private consume(fault: Fault): void {
    if (fault.times !== undefined && --fault.times <= 0) this.list.splice(this.list.indexOf(fault), 1);
  }
}
