import { describe, expect, it } from "vitest";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../../test/fixtures";

// Correctness of the answer cache (answer-cache.ts), not its speed: hits on repeat, misses after
// a knowledge or bot change, never across tenants or bots, citations kept, abstentions not cached.
const SLOW = { timeout: 90_000 };

const addText = (t: TestTenant, title: string, text: string, botId?: string) =>
  expectJson(
    call("/api/knowledge/sources", { method: "POST", token: t.token, json: { type: "text", title, text, botId } }),
    202,
  );
const settled = (t: TestTenant, id: string) =>
  eventually(
    () => expectJson(call(`/api/knowledge/sources/${id}`, { token: t.token }), 200),
    (s) => s.status === "ready" || s.status === "failed",
    45_000,
  );
const ask = (t: TestTenant, question: string, botId = t.botId, extra: Record<string, unknown> = {}) =>
  expectJson(call(`/api/bots/${botId}/ask`, { method: "POST", token: t.token, json: { question, ...extra } }), 200);

const FACT = "Pelican backups run every 6 hours and are kept for 30 days on the Pro plan.";
const Q = "How often do Pelican backups run?";

async function tenantWithFact(name: string) {
  const t = await makeTenant(name);
  await settled(t, (await addText(t, "Pelican backups", FACT)).id);
  return t;
}

describe("answer cache", () => {
  it("serves a repeated question from the cache, with the same text and citations", SLOW, async () => {
    const t = await tenantWithFact("CacheHit");
    const first = await ask(t, Q);
    expect(first.handoff).toBe(false);
    expect(first.cached).toBeUndefined();
    expect(first.sources.length).toBeGreaterThan(0);
    // normalised: case, punctuation and spacing do not make a new question
    const second = await ask(t, "  how OFTEN do pelican backups run ");
    expect(second.cached).toBe(true);
    expect(second.answer).toBe(first.answer);
    expect(second.sources).toEqual(first.sources);
    expect(second.confidence).toBe(first.confidence);
    // another channel is another answer (voice answers differ)
    expect((await ask(t, Q, t.botId, { channel: "voice" })).cached).toBeUndefined();
  });

  it("misses after any knowledge change, then caches the new answer", SLOW, async () => {
    const t = await tenantWithFact("CacheKnowledge");
    await ask(t, Q);
    expect((await ask(t, Q)).cached).toBe(true);
    await settled(t, (await addText(t, "Parking", "Visitors park in the north garage.")).id);
    const after = await ask(t, Q);
    expect(after.cached).toBeUndefined();
    expect((await ask(t, Q)).cached).toBe(true);
    // deleting a source is a change too
    const list = await expectJson(call("/api/knowledge/sources", { token: t.token }), 200);
    const parking = list.data.find((s: { title: string }) => s.title === "Parking");
    expect((await call(`/api/knowledge/sources/${parking.id}`, { method: "DELETE", token: t.token })).status).toBe(204);
    expect((await ask(t, Q)).cached).toBeUndefined();
  });

  it("misses after the bot changes", SLOW, async () => {
    const t = await tenantWithFact("CacheBot");
    await ask(t, Q);
    expect((await ask(t, Q)).cached).toBe(true);
    await expectJson(
      call(`/api/bots/${t.botId}`, { method: "PATCH", token: t.token, json: { instructions: "Be brief." } }),
      200,
    );
    expect((await ask(t, Q)).cached).toBeUndefined();
    expect((await ask(t, Q)).cached).toBe(true);
    // the bot's model chain lives outside its row; changing it is a bot change too
    const chain = await call(`/api/bots/${t.botId}/answer-providers`, { method: "DELETE", token: t.token });
    expect(chain.status).toBe(204);
    expect((await ask(t, Q)).cached).toBeUndefined();
  });

  it("never serves another bot's or another tenant's entry", SLOW, async () => {
    const a = await tenantWithFact("CacheA");
    const b = await tenantWithFact("CacheB");
    const second = await expectJson(
      call("/api/bots", { method: "POST", token: a.token, json: { name: "Second" } }),
      201,
    );
    await ask(a, Q);
    expect((await ask(a, Q)).cached).toBe(true);
    expect((await ask(a, Q, second.id)).cached).toBeUndefined();
    expect((await ask(b, Q)).cached).toBeUndefined();
    // and b's own entry cites b's source, not a's
    const bHit = await ask(b, Q);
    expect(bHit.cached).toBe(true);
    const aSources = (await ask(a, Q)).sources.map((s: { sourceId: string }) => s.sourceId);
    expect(bHit.sources.map((s: { sourceId: string }) => s.sourceId)).not.toEqual(aSources);
  });

  it("does not cache abstentions or follow-ups resolved against the conversation", SLOW, async () => {
    const t = await tenantWithFact("CacheAbstain");
    const off = "Can you bake sourdough bread for me?";
    expect((await ask(t, off)).handoff).toBe(true);
    expect((await ask(t, off)).cached).toBeUndefined();
    const history = [
      { role: "visitor", text: Q },
      { role: "ai", text: FACT },
    ];
    await ask(t, "and on Pro?", t.botId, { history });
    expect((await ask(t, "and on Pro?", t.botId, { history })).cached).toBeUndefined();
  });
});
