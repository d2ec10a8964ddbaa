// Wall time of the project's own pipeline on this machine.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fmt, table } from "./lib.mjs";

const exec = promisify(execFile);

export async function pipeline({ root, quick }) {
  const steps = [
    ["generate (`npm run generate`)", ["node", ["scripts/generate.mjs"]]],
    ["lint (`npm run lint`)", ["node", ["scripts/lint.mjs"]]],
    ["docs (`npm run docs`)", ["node", ["scripts/build-docs.mjs"]]],
    ["build (`npm run build`)", ["node", ["scripts/build.mjs"]]],
    ...(quick ? [] : [["full test suite (`npm test`)", ["npm", ["test"]]]]),
  ];
  const rows = [];
  const figures = {};
  for (const [name, [cmd, args]] of steps) {
    const start = performance.now();
    await exec(cmd === "node" ? process.execPath : cmd, args, {
      cwd: root,
      maxBuffer: 1 << 26,
      env: { ...process.env, REDOCLY_TELEMETRY: "off" },
    });
    const seconds = (performance.now() - start) / 1000;
    figures[name] = seconds;
    rows.push([name, fmt(seconds, 1)]);
  }
  return { figures, markdown: `One run each, in this order.\n\n${table(["step", "wall time (s)"], rows)}` };
}
