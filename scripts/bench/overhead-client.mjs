// The calling side of the overhead benchmark, in a child process whose stdout is discarded (the
// official SDK core logs through log4js to stdout): checks that each raw variant sends the very
// request the client sends (and that the server took it for that operation), then times every
// variant in interleaved rounds and sends the per-round figures to the parent over IPC.
//
// node overhead-client.mjs <base URL> <dist> <root> <quick: 0|1>
import { isDeepStrictEqual } from "node:util";
import { interleaved } from "./lib.mjs";
import { AKSK_READ, AKSK_WRITE, buildVariants } from "./overhead-ops.mjs";

const [base, dist, root, quickFlag] = process.argv.slice(2);
const quick = quickFlag === "1";
const { variants, order } = await buildVariants({ base, dist, root });

/** Headers that differ between two identical requests (none with fetch on both sides, but the date may tick). */
const VOLATILE = new Set(["x-sdk-date", "authorization"]);
async function seen(call) {
  await call();
  return (await fetch(`${base}/__last`)).json();
}
function comparable(request, ignore = new Set()) {
  return { ...request, headers: Object.fromEntries(Object.entries(request.headers).filter(([k]) => !ignore.has(k))) };
}
function mustMatch(op, name, request) {
  if (request.operation !== op) {
    throw new Error(
      `${op}: the ${name} request ${request.method} ${request.url} reached the server as ${request.operation ?? "no operation"}`,
    );
  }
}

// The requests must be identical, or the comparison means nothing. A call of the spec's own
// example input that the client fails is a finding: that operation is reported as failed (the
// run then exits non-zero) and the others are still measured.
await fetch(`${base}/__record/on`);
const checks = {};
const failed = {};
for (const op of order) {
  const v = variants[op];
  const pairs = [["raw", "client", new Set()], ...(v.rawSigned ? [["rawSigned", "clientAkSk", VOLATILE]] : [])];
  for (const [a, b, ignore] of pairs) {
    const left = comparable(await seen(v[a]), ignore);
    let right;
    try {
      right = comparable(await seen(v[b]), ignore);
    } catch (error) {
      // The AK/SK rows need both of their operations.
      if (op === AKSK_READ || op === AKSK_WRITE) throw error;
      failed[op] = `${error.name}: ${error.message}`;
      break;
    }
    mustMatch(op, a, left);
    mustMatch(op, b, right);
    if (!isDeepStrictEqual(left, right)) {
      throw new Error(
        `${op}: ${a} and ${b} do not send the same request:\n${JSON.stringify(left, null, 1)}\n${JSON.stringify(right, null, 1)}`,
      );
    }
    checks[`${op}:${a}/${b}`] = `${left.method} ${left.url}`;
  }
}
// The official SDK's showJob: the same method and URL (its headers are its own).
{
  const ours = await seen(variants[AKSK_READ].clientAkSk);
  const theirs = await seen(variants[AKSK_READ].official);
  if (ours.method !== theirs.method || ours.url !== theirs.url)
    throw new Error(`the official ${AKSK_READ} sent ${theirs.method} ${theirs.url}, the client ${ours.method} ${ours.url}`);
  checks[`${AKSK_READ}:official/clientAkSk`] = `${theirs.method} ${theirs.url}`;
}
await fetch(`${base}/__record/off`);

const calls = quick ? 100 : 500;
const warmup = quick ? 50 : 200;
const rounds = quick ? 3 : 21;
const perCall = async (fn) => {
  for (let i = 0; i < warmup; i++) await fn(); // connections, JIT
  const start = performance.now();
  for (let i = 0; i < calls; i++) await fn();
  return ((performance.now() - start) * 1000) / calls; // µs per call
};

const results = {};
for (const op of order.filter((o) => !failed[o])) {
  const { raw, client, rawPlus10us } = variants[op];
  results[op] = { token: await interleaved({ raw, client, ...(rawPlus10us ? { rawPlus10us } : {}) }, rounds, perCall) };
}
// AK/SK: the signed write, and the read with the official SDK in the same rounds.
const { rawSigned: writeSigned, clientAkSk: writeAkSk } = variants[AKSK_WRITE];
results[AKSK_WRITE].aksk = await interleaved({ rawSigned: writeSigned, clientAkSk: writeAkSk }, rounds, perCall);
const { rawSigned, clientAkSk, official, httpSigned } = variants[AKSK_READ];
results[AKSK_READ].aksk = await interleaved({ rawSigned, clientAkSk, official, httpSigned }, rounds, perCall);

process.send({ calls, warmup, rounds, checks, failed, order, results }, () => process.exit(0));
