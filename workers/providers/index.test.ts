import { describe, expect, it } from "vitest";
import { PROVIDER_CACHE_TTL_MS, providersFor, type ProvidersDeps } from ".";
import type { OpenAiSettings } from "./openai-client";

const repos = {} as never;

/** A providers port over a counting settings loader and a settable clock. */
function setup(opts: { answerProvider?: "offline" | "openai"; settings?: OpenAiSettings | null } = {}) {
  const loads: string[] = [];
  let now = 1_000_000;
  let settings = opts.settings === undefined ? { apiKey: "sk-test", model: "m" } : opts.settings;
  let fail = false;
  const deps: ProvidersDeps = {
    config: { answerProvider: opts.answerProvider ?? "openai" },
    repos,
    loadOpenAi: async (tenantId) => {
      loads.push(tenantId);
      if (fail) throw new Error("D1 unavailable");
      return settings;
    },
    now: () => now,
  };
  return {
    providers: providersFor(deps),
    loads,
    tick: (ms: number) => (now += ms),
    set: (s: OpenAiSettings | null) => (settings = s),
    failing: (f: boolean) => (fail = f),
  };
}

describe("providersFor", () => {
  it("loads a tenant's settings once for the answer model and both classifiers", async () => {
    const t = setup();
    const tenant = `tnt_once_${crypto.randomUUID()}`;
    const [answer, frustration, category] = await Promise.all([
      t.providers.answerModel(tenant),
      t.providers.frustration(tenant),
      t.providers.categoryChooser(tenant),
    ]);
    await t.providers.answerModel(tenant);
    expect(t.loads).toEqual([tenant]);
    expect(answer.name).toBe("openai:m");
    expect(frustration?.name).toBe("openai:m");
    expect(category?.name).toBe("openai:m");
  });

  it("reloads after invalidate (settings changed) and after the cache lifetime", async () => {
    const t = setup();
    const tenant = `tnt_inval_${crypto.randomUUID()}`;
    expect((await t.providers.answerModel(tenant)).name).toBe("openai:m");
    t.set(null);
    expect((await t.providers.answerModel(tenant)).name).toBe("openai:m"); // cached
    t.providers.invalidate(tenant);
    expect((await t.providers.answerModel(tenant)).name).toBe("offline");
    t.set({ apiKey: "sk-test", model: "m2" });
    t.tick(PROVIDER_CACHE_TTL_MS + 1);
    expect((await t.providers.answerModel(tenant)).name).toBe("openai:m2");
    expect(t.loads).toHaveLength(3);
  });

  it("keeps tenants apart and does not cache a failed load", async () => {
    const t = setup();
    const a = `tnt_a_${crypto.randomUUID()}`;
    const b = `tnt_b_${crypto.randomUUID()}`;
    t.failing(true);
    await expect(t.providers.answerModel(a)).rejects.toThrow("D1 unavailable");
    t.failing(false);
    await t.providers.answerModel(a);
    await t.providers.answerModel(b);
    expect(t.loads).toEqual([a, a, b]);
  });

  it("uses the tenant's key for classifiers only when the deployment's provider is openai", async () => {
    const t = setup({ answerProvider: "offline" });
    const tenant = `tnt_cls_${crypto.randomUUID()}`;
    expect((await t.providers.answerModel(tenant)).name).toBe("openai:m");
    expect(await t.providers.frustration(tenant)).toBeNull();
    expect(await t.providers.categoryChooser(tenant)).toBeNull();
  });

  it("offers retrieval only with an embedder, and an external index only with Vectorize", () => {
    const t = setup();
    expect(t.providers.retrieval()).toBeNull();
    expect(t.providers.externalVectorIndex()).toBeNull();
  });
});
