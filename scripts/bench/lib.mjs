// Shared measuring helpers: medians, interleaved rounds, markdown tables, the machine.
import os from "node:os";

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs each variant `rounds` times, interleaved (the order rotates every round so that drift in
 * the machine's speed hits every variant alike), and returns each variant's per-round results.
 */
export async function interleaved(variants, rounds, measure) {
  const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const names = Object.keys(variants);
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const name of order) results[name].push(await measure(variants[name], name));
  }
  return results;
}

export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

export const fmt = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

export function machine() {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const memory = `${Math.round(os.totalmem() / 2 ** 30)} GiB`;
  return `${cpu}, ${os.cpus().length} cores, ${memory}, Node ${process.version}, ${os.type()} ${os.release()}`;
}
