import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../lib/ids";
import { createDb } from "./db";
import { reposOf } from "./repos";

describe("reposOf", () => {
  it("offers every repository by name, built once per repos and kept", () => {
    const repos = reposOf(createDb(env.DB));
    expect(Object.keys(repos)).toEqual(expect.arrayContaining(["bots", "conversations", "tickets", "batch", "ping"]));
    const bots = repos.bots;
    expect(repos.bots).toBe(bots);
    // another context gets its own repositories (over its own D1 handle)
    expect(reposOf(createDb(env.DB)).bots).not.toBe(bots);
  });

  it("runs the repositories' statements as one batch, and pings D1", async () => {
    const repos = reposOf(createDb(env.DB));
    await expect(repos.ping()).resolves.toBeDefined();
    const [a, b] = [newId("tnt"), newId("tnt")];
    const createdAt = new Date();
    await repos.batch([
      repos.tenants.insertStmt({ id: a, name: "A", createdAt }),
      repos.tenants.insertStmt({ id: b, name: "B", createdAt }),
    ]);
    expect((await repos.tenants.get(a))?.name).toBe("A");
    expect((await repos.tenants.get(b))?.name).toBe("B");
  });
});
