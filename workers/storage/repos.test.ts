import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../lib/ids";
import { createDb } from "./db";
import { reposOf } from "./repos";

describe("reposOf", () => {
  it("offers every repository by name, built once per D1 binding and kept", () => {
    const repos = reposOf(createDb(env.DB));
    expect(Object.keys(repos)).toEqual(expect.arrayContaining(["bots", "conversations", "tickets", "batch", "ping"]));
    const bots = repos.bots;
    expect(repos.bots).toBe(bots);
    // every context over the same binding shares them (they hold nothing but the handle)
    expect(reposOf(createDb(env.DB))).toBe(repos);
    // another binding (a wrapper, as the room's round-trip counter uses) gets its own
    const wrapped = new Proxy(env.DB, {}) as D1Database;
    const other = reposOf(createDb(wrapped));
    expect(other).not.toBe(repos);
    expect(other.bots).not.toBe(bots);
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
