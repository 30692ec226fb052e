// What the local stand-ins for outside services (scripts/stripe-local.mjs, scripts/store-local.mjs)
// share: they serve and call only addresses on this machine.

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Throws unless `url` is http(s) on this machine. */
export function assertLoopback(url, what) {
  const u = new URL(url);
  if (!/^https?:$/.test(u.protocol) || !LOOPBACK.has(u.hostname))
    throw new Error(`${what} must be an http URL on this machine (127.0.0.1), not ${url}`);
  return u;
}

/**
 * Listens on 127.0.0.1:`port` (0: any free port); answers the origin and a close that also ends
 * open keep-alive connections.
 * @param {import("node:http").Server} server
 * @param {number} port
 * @returns {Promise<{ origin: string; close: () => Promise<void> }>}
 */
export async function listenLoopback(server, port) {
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(undefined));
  });
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
