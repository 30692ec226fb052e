// startLocal (npm start, the browser suites, the benchmarks) refuses a port that already answers,
// instead of treating a server left by an earlier run as the one it started (that old server's data
// then leaked into the new run: the title counted its waiting conversations, issue 22).
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS module without types
import { startLocal, portInUse } from "../scripts/local-server.mjs";
import { e2ePort } from "./harness";

const PORT = e2ePort(8890);

describe("startLocal", () => {
  let squatter: Server;
  beforeAll(async () => {
    squatter = createServer((s) => s.end());
    await new Promise<void>((resolve) => squatter.listen(PORT, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => squatter.close(() => resolve())));

  it("refuses to start on a port something else answers on, and says how to find it", async () => {
    expect(await portInUse(PORT)).toBe(true);
    await expect(startLocal({ port: PORT, quiet: true })).rejects.toThrow(
      new RegExp(`port ${PORT} is already in use .*ss -ltnp \\| grep :${PORT}`),
    );
  });

  it("sees a free port as free", async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, "127.0.0.1", resolve));
    const { port } = free.address() as { port: number };
    await new Promise<void>((resolve) => free.close(() => resolve()));
    expect(await portInUse(port)).toBe(false);
  });
});
