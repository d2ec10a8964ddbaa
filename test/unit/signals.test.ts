// Signal plumbing: one caller signal fans out to many requests through one listener, so
// hundreds of concurrent requests under one signal neither leak listeners nor warn, and an abort
// still reaches every one of them; a linked signal can also be ended by hand; limiters keep
// many tasks from meaning many requests at once, per region.
import { describe, expect, it } from "vitest";
import { after, createLimiter, deadline, linkedController, regionLimiters } from "../../src/signals.js";

describe("deadline", () => {
  it("hangs any number of children on one listener of the parent, and removes it with the last", () => {
    const parent = new AbortController();
    const added: string[] = [];
    const removed: string[] = [];
    const add = parent.signal.addEventListener.bind(parent.signal);
    const remove = parent.signal.removeEventListener.bind(parent.signal);
    parent.signal.addEventListener = (...args: Parameters<AbortSignal["addEventListener"]>) => (added.push(args[0]), add(...args));
    parent.signal.removeEventListener = (...args: Parameters<AbortSignal["removeEventListener"]>) => (
      removed.push(args[0]),
      remove(...args)
    );
    const limits = Array.from({ length: 200 }, () => deadline(parent.signal, 60_000));
    expect(added).toEqual(["abort"]);
    for (const limit of limits) limit.dispose();
    expect(removed).toEqual(["abort"]);
  });

  it("aborts every child with the parent's reason", () => {
    const parent = new AbortController();
    const limits = Array.from({ length: 50 }, () => deadline(parent.signal, 60_000));
    const reason = new Error("Ctrl-C");
    parent.abort(reason);
    expect(limits.every((l) => l.signal.aborted && l.signal.reason === reason && !l.timedOut)).toBe(true);
    for (const limit of limits) limit.dispose();
  });

  it("tells a time limit from the caller's abort", async () => {
    const limit = deadline(new AbortController().signal, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(limit.signal.aborted).toBe(true);
    expect(limit.timedOut).toBe(true);
    limit.dispose();
  });

  it("a child of an already aborted parent starts aborted", () => {
    const parent = new AbortController();
    parent.abort(new Error("gone"));
    const limit = deadline(parent.signal, 1_000);
    expect(limit.signal.aborted).toBe(true);
    limit.dispose();
  });
});

/** A task that runs until `finish` is called, counting how many run at once. */
function gate() {
  const state = { running: 0, most: 0, started: [] as string[] };
  const finishers: (() => void)[] = [];
  const task = (name: string) => () =>
    new Promise<string>((resolve) => {
      state.started.push(name);
      state.running++;
      state.most = Math.max(state.most, state.running);
      finishers.push(() => {
        state.running--;
        resolve(name);
      });
    });
  const finishOne = async () => {
    finishers.shift()?.();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { state, task, finishOne };
}

describe("createLimiter", () => {
  it("runs at most `limit` tasks at once, the others in the order they came, each resolving as its task does", async () => {
    const { state, task, finishOne } = gate();
    const run = createLimiter(2);
    const results = ["a", "b", "c", "d"].map((name) => run(task(name)));
    expect(state.started).toEqual(["a", "b"]);
    await finishOne();
    expect(state.started).toEqual(["a", "b", "c"]);
    await finishOne();
    await finishOne();
    await finishOne();
    expect(await Promise.all(results)).toEqual(["a", "b", "c", "d"]);
    expect(state.most).toBe(2);
  });

  it("a task that rejects frees its slot and rejects its caller", async () => {
    const run = createLimiter(1);
    const failing = run(() => Promise.reject(new Error("refused")));
    const next = run(() => Promise.resolve("next"));
    await expect(failing).rejects.toThrow("refused");
    await expect(next).resolves.toBe("next");
  });
});

describe("regionLimiters", () => {
  it("gives each region its own slots: a full region never holds another back", async () => {
    const { state, task, finishOne } = gate();
    const limiter = regionLimiters(1);
    expect(limiter("cn-north-4")).toBe(limiter("cn-north-4"));
    const all = [limiter("cn-north-4")(task("north 1")), limiter("cn-north-4")(task("north 2")), limiter("cn-east-3")(task("east 1"))];
    expect(state.started).toEqual(["north 1", "east 1"]);
    await finishOne();
    expect(state.started).toEqual(["north 1", "east 1", "north 2"]);
    await finishOne();
    await finishOne();
    expect(await Promise.all(all)).toEqual(["north 1", "north 2", "east 1"]);
  });
});

describe("linkedController", () => {
  it("ends with the parent's reason, or by hand without touching the parent", () => {
    const parent = new AbortController();
    const first = linkedController(parent.signal);
    const second = linkedController(parent.signal);
    const failure = new Error("region unreachable");
    first.abort(failure);
    expect([first.signal.aborted, first.signal.reason]).toEqual([true, failure]);
    expect([second.signal.aborted, parent.signal.aborted]).toEqual([false, false]);
    const reason = new Error("Ctrl-C");
    parent.abort(reason);
    expect(second.signal.reason).toBe(reason);
    first.dispose();
    second.dispose();
  });

  it("starts aborted under an aborted parent; without a parent, only by hand", () => {
    const parent = new AbortController();
    parent.abort(new Error("gone"));
    expect(linkedController(parent.signal).signal.aborted).toBe(true);
    const alone = linkedController(undefined);
    expect(alone.signal.aborted).toBe(false);
    alone.abort(new Error("stop"));
    expect(alone.signal.aborted).toBe(true);
    alone.dispose();
  });

  it("dispose removes its listener from the parent", () => {
    const parent = new AbortController();
    const link = linkedController(parent.signal);
    link.dispose();
    parent.abort(new Error("late"));
    expect(link.signal.aborted).toBe(false);
  });
});

describe("time limits longer than a platform timer", () => {
  it("a deadline of 30 days does not fire at once (Node's timers stop at about 24.8 days)", async () => {
    const limit = deadline(undefined, 30 * 24 * 3_600_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(limit.signal.aborted).toBe(false);
    expect(limit.timedOut).toBe(false);
    limit.dispose();
  });

  it("after() fires when its time comes, and can be cancelled", async () => {
    let fired = 0;
    after(5, () => fired++);
    const cancel = after(5, () => fired++);
    cancel();
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toBe(1);
  });
});
