// Serves one file over real HTTP on a free 127.0.0.1 port, as a user's web server would.
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";

export async function serveFile(file: string, contentType = "text/html; charset=utf-8"): Promise<{ url: string; close(): Promise<void> }> {
  const body = await readFile(file);
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": contentType, "content-length": body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
