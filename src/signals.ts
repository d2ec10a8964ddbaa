/**
 * Cancellation plumbing: an abortable sleep, and a signal that fires when the caller aborts or a
 * time limit passes, telling the two apart. Written out rather than using `AbortSignal.any` so
 * that listeners on a long-lived caller signal are always removed.
 */

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A signal for one piece of work, with the reason it may have ended. */
export interface Deadline {
  signal: AbortSignal;
  /** True once the time limit (not the caller) ended the work. */
  readonly timedOut: boolean;
  /** Removes the timer and the listener on the caller's signal. */
  dispose(): void;
}

/**
 * The children of each caller signal: one listener per parent, however many requests hang from
 * it (a plan reads hundreds of images under one signal; a listener each would be a leak warning
 * waiting to happen and a cost per request).
 */
const children = new WeakMap<AbortSignal, { controllers: Set<AbortController>; onAbort: () => void }>();

function attach(parent: AbortSignal, child: AbortController): void {
  let entry = children.get(parent);
  if (!entry) {
    const controllers = new Set<AbortController>();
    const onAbort = () => {
      for (const controller of controllers) controller.abort(parent.reason);
      controllers.clear();
      children.delete(parent);
    };
    entry = { controllers, onAbort };
    children.set(parent, entry);
    parent.addEventListener("abort", onAbort, { once: true });
  }
  entry.controllers.add(child);
}

function detach(parent: AbortSignal, child: AbortController): void {
  const entry = children.get(parent);
  if (!entry) return;
  entry.controllers.delete(child);
  if (!entry.controllers.size) {
    parent.removeEventListener("abort", entry.onAbort);
    children.delete(parent);
  }
}

/** Aborts when `parent` aborts (with its reason) or after `timeoutMs` (if finite). */
export function deadline(parent: AbortSignal | undefined, timeoutMs: number | undefined): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  if (parent?.aborted) controller.abort(parent.reason);
  else if (parent) attach(parent, controller);
  const timer =
    timeoutMs !== undefined && Number.isFinite(timeoutMs)
      ? setTimeout(
          () => {
            timedOut = true;
            controller.abort(new DOMException("The operation timed out.", "TimeoutError"));
          },
          Math.max(0, timeoutMs),
        )
      : undefined;
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      if (parent) detach(parent, controller);
    },
  };
}
