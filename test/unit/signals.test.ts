// Cancellation plumbing: one caller signal fans out to many requests through one listener, so
// hundreds of concurrent requests under one signal neither leak listeners nor warn, and an abort
// still reaches every one of them.
import { describe, expect, it } from "vitest";
import { deadline } from "../../src/signals.js";

describe("deadline", () => {
  it("hangs any number of children on one listener of the parent, and removes it with the last", () => {
    const parent = new AbortController();
    const added: string[] = [];
    const removed: string[] = [];
    const { addEventListener, removeEventListener } = parent.signal;
    parent.signal.addEventListener = (...args: Parameters<AbortSignal["addEventListener"]>) => (
      added.push(String(args[0])),
      addEventListener.apply(parent.signal, args)
    );
    parent.signal.removeEventListener = (...args: Parameters<AbortSignal["removeEventListener"]>) => (
      removed.push(String(args[0])),
      removeEventListener.apply(parent.signal, args)
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
