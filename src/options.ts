/**
 * Options objects accept `undefined` for any optional field (so `process.env.X` can be passed as
 * is); a field set to `undefined` means "the default", never "override the default with nothing".
 */

/** `defaults` with every field of each `layer` that is not `undefined` laid over it, in order. */
export function withDefaults<T extends object>(
  defaults: T,
  ...layers: ReadonlyArray<{ readonly [K in keyof T]?: T[K] | undefined } | undefined>
): T {
  const out = { ...defaults };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value !== undefined) (out as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}

/**
 * Calls a caller's notification callback (`onAccepted`, `onProgress`, …), ignoring what it
 * throws: a display callback must not end the work it reports on, nor lose a job ID on the way.
 */
export function notify<A>(callback: ((arg: A) => void) | undefined, arg: A): void {
  try {
    callback?.(arg);
  } catch {
    // Deliberately ignored (see above).
  }
}
