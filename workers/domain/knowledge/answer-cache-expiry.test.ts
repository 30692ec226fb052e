import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ANSWER_CACHE_TTL_DEFAULT_SECONDS, Config } from "../../contracts/config";
import { requestCtx } from "../../compose";
import { runAnswerCacheSweep } from "../../scheduled";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../../test/fixtures";
import { streamAnswer } from "./answer";
import type { AnswerDone } from "./answer-types";
import { sweepAnswerCache } from "./answer-cache";

// Answer cache expiry (issue 14): entries are served only within the TTL, judged by ctx.clock (the
// tests move the clock, they never sleep), and the cron deletes older rows of every tenant.
const SLOW = { timeout: 90_000 };
const TTL_MS = ANSWER_CACHE_TTL_DEFAULT_SECONDS * 1000;
const Q = "How often do Pelican backups run?";
const FACT = "Pelican backups run every 6 hours and are kept for 30 days on the Pro plan.";

async function tenantWithFact(name: string) {
  const t = await makeTenant(name);
  const src = await expectJson(
    call("/api/knowledge/sources", {
      method: "POST",
      token: t.token,
      json: { type: "text", title: "Pelican backups", text: FACT },
    }),
    202,
  );
  await eventually(
    () => expectJson(call(`/api/knowledge/sources/${src.id}`, { token: t.token }), 200),
    (s) => s.status === "ready",
    45_000,
  );
  return t;
}

/** The answerer with the tenant's context and a clock fixed at `now`. */
function ctxAt(t: TestTenant, now: number) {
  return { ...requestCtx(env, "req_cache_ttl", ""), tenantId: t.tenantId, clock: { now: () => now } };
}

async function answerAt(t: TestTenant, now: number, question = Q): Promise<AnswerDone> {
  let done: AnswerDone | undefined;
  for await (const e of streamAnswer(ctxAt(t, now), { botId: t.botId, question })) if (e.type === "done") done = e;
  if (!done) throw new Error("no done event");
  return done;
}

const entries = async (tenantId: string) =>
  (await env.DB.prepare("select count(*) n from answer_cache where tenant_id = ?")
    .bind(tenantId)
    .first<{ n: number }>())!.n;

describe("answer cache expiry", async () => {
  const a = await tenantWithFact("TtlA");
  const b = await tenantWithFact("TtlB");

  it("serves an entry within the TTL only; the miss after it re-answers and restarts the TTL", SLOW, async () => {
    const t0 = Date.parse("2026-12-01T00:00:00Z");
    const first = await answerAt(a, t0);
    expect(first.handoff).toBe(false);
    expect(first.cached).toBeUndefined();
    expect((await answerAt(a, t0 + TTL_MS - 1000)).cached).toBe(true);
    const expired = await answerAt(a, t0 + TTL_MS);
    expect(expired.cached).toBeUndefined();
    expect(expired.answer).toBe(first.answer);
    // the re-answer replaced the entry: served again, up to a TTL after the replacement
    expect((await answerAt(a, t0 + TTL_MS + 1000)).cached).toBe(true);
    expect((await answerAt(a, t0 + 2 * TTL_MS + 1000)).cached).toBeUndefined();
  });

  it("the sweep deletes entries older than the TTL, of every tenant, and keeps younger ones", SLOW, async () => {
    const t0 = Date.parse("2026-11-01T00:00:00Z");
    await answerAt(a, t0, "How long are Pelican backups kept?");
    await answerAt(b, t0 + TTL_MS / 2);
    const before = { a: await entries(a.tenantId), b: await entries(b.tenantId) };
    expect(before.b).toBe(1);
    const swept = await sweepAnswerCache(ctxAt(a, t0 + TTL_MS + 1));
    // a's November entry is past the TTL at that time; the first test's entry (December) is in this
    // clock's future and b's is half a TTL old: both kept
    expect(swept).toBe(1);
    expect(await entries(b.tenantId)).toBe(1);
    expect(await entries(a.tenantId)).toBe(before.a - swept);
    // a second sweep at the same time finds nothing more
    expect(await sweepAnswerCache(ctxAt(a, t0 + TTL_MS + 1))).toBe(0);
  });

  it("the cron's sweep (scheduled.ts) deletes an entry that aged past the TTL", SLOW, async () => {
    const ask = () =>
      expectJson(call(`/api/bots/${b.botId}/ask`, { method: "POST", token: b.token, json: { question: Q } }), 200);
    await ask();
    expect((await ask()).cached).toBe(true);
    // age every entry of b past the TTL, as if stored a day and a minute ago
    await env.DB.prepare("update answer_cache set created_at = ? where tenant_id = ?")
      .bind(Date.now() - TTL_MS - 60_000, b.tenantId)
      .run();
    expect((await ask()).cached).toBeUndefined();
    await env.DB.prepare("update answer_cache set created_at = ? where tenant_id = ?")
      .bind(Date.now() - TTL_MS - 60_000, b.tenantId)
      .run();
    await runAnswerCacheSweep(env);
    expect(await entries(b.tenantId)).toBe(0);
  });

  it("ANSWER_CACHE_TTL_SECONDS: default one day; a bad value is refused with the field named", () => {
    const base = { environment: "test", appSecret: "a".repeat(32), masterKey: "b".repeat(32), masterKeyVersion: "1" };
    expect(Config.parse(base).answerCacheTtlSeconds).toBe(86_400);
    expect(Config.parse({ ...base, answerCacheTtlSeconds: "3600" }).answerCacheTtlSeconds).toBe(3600);
    for (const bad of ["0", "-5", "abc", "1.5", "59"]) {
      const r = Config.safeParse({ ...base, answerCacheTtlSeconds: bad });
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(["answerCacheTtlSeconds"]);
    }
  });
});
