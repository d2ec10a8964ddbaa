/**
 * Signal plumbing: an abortable sleep; a signal that fires when the caller aborts or a time limit
 * passes, telling the two apart; a signal that can also be ended by hand (to stop siblings); and
 * the limiters that keep many tasks from meaning many requests at once. Written out rather than
 * using `AbortSignal.any` so that listeners on a long-lived caller signal are always removed.
 */

/**
 * What an aborted signal rejects with: its reason as it is (a `DOMException` named `AbortError`
 * unless the caller aborted with something else), typed as the error it nearly always is.
 */
function reasonOf(signal: AbortSignal): Error {
  return signal.reason as Error;
}

/** The longest a platform timer waits (2^31 - 1 ms, about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fire` after `ms` (however long: past the platform's limit the timer is set again until
 * the time has come); the function returned cancels it.
 */
export function after(ms: number, fire: () => void): () => void {
  const due = Date.now() + Math.max(0, ms);
  let timer: ReturnType<typeof setTimeout>;
  const arm = () => {
    const left = due - Date.now();
    timer = setTimeout(left > MAX_TIMER_MS ? arm : fire, Math.min(Math.max(0, left), MAX_TIMER_MS));
  };
  arm();
  return () => clearTimeout(timer);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(reasonOf(signal));
    const onAbort = () => {
      cancel();
      if (signal) reject(reasonOf(signal));
    };
    const cancel = after(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
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
  const cancel =
    timeoutMs !== undefined && Number.isFinite(timeoutMs)
      ? after(timeoutMs, () => {
          timedOut = true;
          controller.abort(new DOMException("The operation timed out.", "TimeoutError"));
        })
      : undefined;
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      cancel?.();
      if (parent) detach(parent, controller);
    },
  };
}

/** A signal that ends when its parent does, or by hand. */
export interface LinkedController {
  signal: AbortSignal;
  /** Ends the signal now, with this reason. */
  abort(reason: unknown): void;
  /** Removes the listener on the parent. */
  dispose(): void;
}

/**
 * A signal that ends when the caller's does, or when `abort` is called (on the first failure).
 * `deadline` cannot be ended by hand, which is what stopping siblings needs.
 */
export function linkedController(parent: AbortSignal | undefined): LinkedController {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => parent?.removeEventListener("abort", onAbort),
  };
}

/** Runs a task when a slot is free; resolves or rejects as the task does. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * A limiter: `run(task)` starts the task at once when fewer than `limit` are running, else when
 * one ends (first come, first served), so that many images or batches never mean many requests
 * at once.
 */
export function createLimiter(limit: number): Limiter {
  let running = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    running--;
    queue.shift()?.();
  };
  return (task) =>
    new Promise((resolve, reject) => {
      const start = () => {
        running++;
        task().then(resolve, reject).finally(next);
      };
      if (running < limit) start();
      else queue.push(start);
    });
}

/**
 * One limiter per region: regions are independent services, so each gets `limit` requests in
 * flight of its own and a slow region never holds another back.
 */
export function regionLimiters(limit: number): (region: string) => Limiter {
  return perRegion(() => createLimiter(limit));
}

/** One `T` per region, made on first use and kept: regions are independent services. */
export function perRegion<T>(make: () => T): (region: string) => T {
  const made = new Map<string, T>();
  return (region) => {
    let value = made.get(region);
    if (value === undefined) made.set(region, (value = make()));
    return value;
  };
}
