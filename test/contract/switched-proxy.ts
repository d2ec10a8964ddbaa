// Prism's validating proxy in front of a switchable upstream, so that many upstreams (the broken
// variants) are checked through one Prism each instead of starting one per run: a forwarder on
// 127.0.0.1 that passes every request on, as it came, to the upstream chosen now, with `Host`
// set to that upstream's (as Prism sets it to the forwarder's: AK/SK signatures still verify).
// Prism itself runs unchanged (`prism proxy SPEC FORWARDER --errors`), so what it checks, and
// how, is what a run's own Prism would check.
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startPrism, type PrismProcess } from "../../src/contract/prism.js";
import type { ValidatingProxy } from "../../src/contract/run.js";

export interface SwitchedProxy {
  /** For `runContract({ startProxy })` and tests: points the forwarder at `upstream`; `stop` unsets it. */
  startProxy: (upstream: string, spec: string) => Promise<ValidatingProxy>;
  close: () => Promise<void>;
}

/** Passes one request on to `target` and its answer back; a connection that fails is dropped, as a dead upstream's would be. */
function forward(target: URL, req: IncomingMessage, res: ServerResponse): void {
  const headers = { ...req.headers, host: target.host };
  const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on("error", () => res.destroy());
  req.pipe(out);
}

export async function startSwitchedProxy(spec: string): Promise<SwitchedProxy> {
  let target: URL | undefined;
  const forwarder = createServer((req, res) => {
    if (target) return forward(target, req, res);
    // Nothing chosen: a request between runs is a bug in the test, said as such.
    res.writeHead(502, { "content-type": "text/plain" }).end("switched proxy: no upstream chosen");
  });
  await new Promise<void>((resolve) => forwarder.listen(0, "127.0.0.1", resolve));
  const closeForwarder = () => new Promise<void>((resolve) => forwarder.close(() => resolve()));
  let prism: PrismProcess;
  try {
    prism = await startPrism({ mode: "proxy", spec, upstream: `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}` });
  } catch (error) {
    await closeForwarder();
    throw error;
  }
  return {
    startProxy: (upstream, wanted) => {
      if (wanted !== spec) return Promise.reject(new Error(`this proxy validates against ${spec}, not ${wanted}`));
      if (target) return Promise.reject(new Error(`this proxy already forwards to ${target.origin}`));
      const chosen = new URL(upstream);
      target = chosen;
      const stop = () => {
        if (target === chosen) target = undefined;
        return Promise.resolve();
      };
      return Promise.resolve({ url: prism.url, stop });
    },
    close: async () => {
      forwarder.closeAllConnections();
      await Promise.all([prism.stop(), closeForwarder()]);
    },
  };
}

/** A few switched proxies, each lent to one run at a time: at most `size` runs side by side. */
export interface ProxyPool {
  /** Runs `work` with a proxy of its own, once one is free. */
  withProxy: <T>(work: (proxy: SwitchedProxy) => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
}

export async function startProxyPool(spec: string, size: number): Promise<ProxyPool> {
  const settled = await Promise.allSettled(Array.from({ length: size }, () => startSwitchedProxy(spec)));
  const proxies = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(proxies.map((p) => p.close()));
    throw failed.reason;
  }
  const free = [...proxies];
  const waiting: Array<(proxy: SwitchedProxy) => void> = [];
  const release = (proxy: SwitchedProxy) => {
    const next = waiting.shift();
    if (next) next(proxy);
    else free.push(proxy);
  };
  return {
    withProxy: async (work) => {
      const proxy = free.pop() ?? (await new Promise<SwitchedProxy>((resolve) => waiting.push(resolve)));
      try {
        return await work(proxy);
      } finally {
        release(proxy);
      }
    },
    close: () => Promise.all(proxies.map((p) => p.close())).then(() => undefined),
  };
}
