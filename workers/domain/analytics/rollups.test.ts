import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { analyticsRepo, type EventPoint } from "../../storage/analytics-repo";
import { createDb } from "../../storage/db";
import type { NewConversationEventRow } from "../../storage/schema";
import { call, expectJson, makeTenant, type TestTenant } from "../../test/fixtures";
import { summarize } from "./metrics";
import { EVENT_KINDS } from "../../contracts/analytics";
import { localDate, startOfLocalDay, addDays, weekStart } from "./range";
import { binBounds, binOf, histogramDist } from "./rollups";
import { dist } from "./metrics";

/**
 * The rollups (migration 0031's triggers) against the metric definitions over raw events
 * (`metrics.ts` `summarize`): random conversations are inserted into D1 the way rooms copy them,
 * and the summary the API reads from the rollups must equal the one computed from every event —
 * in two time zones, with filters, after the same events are copied again (counted once).
 */

vi.setConfig({ testTimeout: 120_000 });

const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;

/** A small deterministic generator (mulberry32), so a failure replays. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Gen = {
  rows: NewConversationEventRow[];
  triage: { conversationId: string; categoryId: string | null; first: boolean }[];
};

/** Random conversations over the last 12 days: every event kind, in time order per conversation. */
function generate(t: TestTenant, now: number, seed: number, categoryIds: string[]): Gen {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const rows: NewConversationEventRow[] = [];
  const triage: Gen["triage"] = [];
  const bots = [t.botId, "bot_other_one"];
  for (let c = 0; c < 120; c++) {
    const conversationId = `conv_roll_${seed}_${c}`;
    const botId = pick(bots);
    const channel = pick(["chat", "chat", "voice", "email", "whatsapp"] as const);
    let at = now - Math.floor(r() * 12 * DAY);
    // keep answers clear of the 24 h "assumed" edge so the test does not depend on when it runs
    const clear = (x: number) => Math.abs(now - DAY - x) > 30 * MIN;
    const add = (kind: string, extra: Partial<NewConversationEventRow> = {}) => {
      rows.push({
        id: `${conversationId}:${kind}:${rows.length}`,
        tenantId: t.tenantId,
        conversationId,
        botId,
        channel,
        kind,
        actor: "system",
        actorId: null,
        at,
        valueMs: null,
        data: null,
        ...extra,
      });
    };
    add("opened", { valueMs: 0 });
    if (r() < 0.7) triage.push({ conversationId, categoryId: r() < 0.75 ? pick(categoryIds) : null, first: r() < 0.5 });
    const steps = 1 + Math.floor(r() * 7);
    for (let s = 0; s < steps; s++) {
      at += Math.floor(r() * 6 * H) + 1000;
      if (at >= now) break;
      // every kind but "opened", AI answers three times as often
      const kind = pick([...EVENT_KINDS.filter((k) => k !== "opened"), "ai_answered", "ai_answered"]);
      const ms = Math.floor(r() * 40 * MIN);
      if (kind === "ai_answered") {
        if (!clear(at)) continue;
        const act = r() < 0.2 ? pick(["thanks", "greeting"]) : undefined;
        add(kind, { actor: "ai", data: { confidence: 0.5, abstained: !act && r() < 0.2, ...(act ? { act } : {}) } });
      } else if (kind === "handed_off")
        add(kind, { data: { reason: pick(["low_confidence", "asked_for_human", "frustrated"]) } });
      else if (kind === "agent_reply")
        add(kind, { actor: "agent", actorId: pick(["usr_a", "usr_b"]), valueMs: r() < 0.8 ? ms : null });
      else if (kind === "agent_joined" || kind === "agent_first_reply")
        add(kind, { actor: "agent", actorId: "usr_a", valueMs: ms });
      else if (kind === "resolved")
        add(kind, { valueMs: ms, data: { by: pick(["agent", "system"]), reason: "closed" } });
      else if (kind === "rated") add(kind, { actor: "visitor", data: { score: 1 + Math.floor(r() * 5) } });
      else if (kind === "call_ended")
        add(kind, {
          valueMs: Math.floor(r() * 600_000),
          data: {
            outcome: pick(["customer-ended-call", "transferred"]),
            ...(r() < 0.7 ? { cost: Math.round(r() * 100) / 100, currency: pick(["USD", "EUR"]) } : {}),
          },
        });
      else add(kind, { valueMs: kind === "reopened" ? ms : null });
    }
  }
  rows.sort((a, b) => a.at - b.at);
  return { rows, triage };
}

const point = (row: NewConversationEventRow): EventPoint => ({
  conversationId: row.conversationId,
  botId: row.botId,
  channel: row.channel,
  kind: row.kind,
  actorId: row.actorId ?? null,
  at: row.at,
  valueMs: row.valueMs ?? null,
  data: (row.data as Record<string, unknown> | null) ?? null,
});

async function copy(rows: NewConversationEventRow[]) {
  const db = createDb(env.DB);
  const stmts = analyticsRepo(db).insertIgnoreStmts(rows);
  for (let i = 0; i < stmts.length; i += 50) await db.batch(stmts.slice(i, i + 50) as never);
}

async function label(tenantId: string, botId: string, conversationId: string, categoryId: string | null) {
  await env.DB.prepare(
    `INSERT INTO conversation_triage (tenant_id, conversation_id, bot_id, category_id, first_visitor_text,
       frustration_last, frustration_trend, frustration_max, negative_streak, low_confidence_streak, visitor_messages, updated_at)
     VALUES (?, ?, ?, ?, 'a question', 0, 0, 0, 0, 0, 1, 0)
     ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET category_id = excluded.category_id`,
  )
    .bind(tenantId, conversationId, botId, categoryId)
    .run();
}

let t: TestTenant;
let gen: Gen;
let now: number;
const names = new Map<string, string>();

beforeAll(async () => {
  t = await makeTenant("Rollups");
  now = Date.now();
  for (const name of ["Billing", "Sync", "Account"]) {
    const id = `cat_roll_${name}_${t.tenantId}`;
    names.set(id, name);
    await env.DB.prepare("INSERT INTO categories (id, tenant_id, name, created_at, updated_at) VALUES (?, ?, ?, 0, 0)")
      .bind(id, t.tenantId, name)
      .run();
  }
  gen = generate(t, now, 16, [...names.keys()]);
  const botOf = new Map(gen.rows.map((x) => [x.conversationId, x.botId]));
  // triage labels some conversations before their events arrive, the others after
  for (const x of gen.triage.filter((x) => x.first))
    await label(t.tenantId, botOf.get(x.conversationId)!, x.conversationId, x.categoryId);
  await copy(gen.rows);
  for (const x of gen.triage.filter((x) => !x.first))
    await label(t.tenantId, botOf.get(x.conversationId)!, x.conversationId, x.categoryId);
  // a relabel moves a conversation between categories
  const moved = gen.triage.find((x) => x.categoryId)!;
  const other = [...names.keys()].find((id) => id !== moved.categoryId)!;
  await label(t.tenantId, botOf.get(moved.conversationId)!, moved.conversationId, other);
  moved.categoryId = other;
});

function reference(tz: string, from: string, to: string, keep: (e: EventPoint) => boolean = () => true) {
  const categories = new Map(
    gen.triage.flatMap((x) => (x.categoryId ? [[x.conversationId, names.get(x.categoryId)!] as [string, string]] : [])),
  );
  return summarize({
    events: gen.rows.map(point).filter(keep),
    from: startOfLocalDay(from, tz),
    to: startOfLocalDay(addDays(to, 1), tz),
    now: Date.now(),
    tz,
    categories,
  });
}

async function fromApi(query: string) {
  const { range: _range, ...s } = await expectJson(call(`/api/analytics/summary?${query}`, { token: t.token }), 200);
  return s;
}

describe("analytics rollups", () => {
  for (const [tz, note] of [
    ["UTC", ""],
    ["Asia/Kolkata", " (UTC+5:30: local days start on the half hour)"],
  ] as const) {
    it(`equal the definitions over every event in ${tz}${note}, with bot and channel filters`, async () => {
      const to = localDate(now, tz);
      const from = addDays(to, -6);
      const q = `from=${from}&to=${to}&tz=${encodeURIComponent(tz)}`;
      const all = await fromApi(q);
      expect(all.conversations).toBeGreaterThan(40);
      expect(all).toEqual(reference(tz, from, to));
      expect(await fromApi(`${q}&botId=${t.botId}`)).toEqual(reference(tz, from, to, (e) => e.botId === t.botId));
      expect(await fromApi(`${q}&channel=chat`)).toEqual(reference(tz, from, to, (e) => e.channel === "chat"));
      // one local day: the edges come from quarter hours only
      expect(await fromApi(`from=${to}&to=${to}&tz=${encodeURIComponent(tz)}`)).toEqual(reference(tz, to, to));
    });
  }

  it("count the questions report's categories exactly, this period and the one before", async () => {
    const to = localDate(now, "UTC");
    const from = addDays(to, -4);
    const q = await expectJson(call(`/api/analytics/questions?from=${from}&to=${to}&tz=UTC`, { token: t.token }), 200);
    const cur = reference("UTC", from, to).volume.byCategory;
    const prev = reference("UTC", addDays(from, -5), addDays(from, -1)).volume.byCategory;
    const topics = q.topics.filter((x: { source: string }) => x.source === "category");
    expect(topics.length).toBeGreaterThan(0);
    for (const x of topics as { label: string; count: number; previous: number }[])
      expect([x.label, x.count, x.previous]).toEqual([x.label, cur[x.label] ?? 0, prev[x.label] ?? 0]);
    expect(topics.map((x: { label: string }) => x.label).sort()).toEqual(
      Object.keys(cur)
        .filter((k) => k !== "uncategorised")
        .sort(),
    );
    expect(q.sampled).toBe(false);
  });

  it("give the first-response series as the median of each local day and week, in two zones", async () => {
    for (const tz of ["UTC", "Asia/Kolkata"])
      for (const interval of ["day", "week"] as const) {
        const to = localDate(now, tz);
        const from = addDays(to, -11);
        const q = `metric=first_response_p50&interval=${interval}&from=${from}&to=${to}&tz=${encodeURIComponent(tz)}`;
        const series = await expectJson(call(`/api/analytics/timeseries?${q}`, { token: t.token }), 200);
        const [fromMs, toMs] = [startOfLocalDay(from, tz), startOfLocalDay(addDays(to, 1), tz)];
        const key = (ms: number) => (interval === "week" ? weekStart(localDate(ms, tz)) : localDate(ms, tz));
        const replies = gen.rows.filter((e) => e.kind === "agent_first_reply" && e.at >= fromMs && e.at < toMs);
        expect(replies.length).toBeGreaterThan(5);
        expect(series.points.map((p: { start: string; value: number | null }) => [p.start, p.value])).toEqual(
          series.points.map((p: { start: string }) => [
            p.start,
            dist(replies.filter((e) => key(e.at) === p.start).map((e) => e.valueMs ?? null)).p50,
          ]),
        );
      }
  });

  it("count each event once when the same copy runs again", async () => {
    const tz = "UTC";
    const to = localDate(now, tz);
    const from = addDays(to, -11);
    const before = await fromApi(`from=${from}&to=${to}&tz=UTC`);
    await copy(gen.rows);
    expect(await fromApi(`from=${from}&to=${to}&tz=UTC`)).toEqual(before);
    expect(before).toEqual(reference(tz, from, to));
  });

  it("with business hours set, twins past 1,000 events come from a sample (bucket index), and say so", async () => {
    const u = await makeTenant("Sampled twins");
    const open24 = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => ({
      day,
      start: "00:00",
      end: "24:00",
    }));
    await expectJson(
      call("/api/settings/business-hours", {
        method: "PUT",
        token: u.token,
        json: { timezone: "UTC", intervals: open24, holidays: [] },
      }),
      200,
    );
    const r = rng(11);
    // open all week in UTC: each event's business-hours value is its plain value, so the exact
    // percentiles are known; 6,000 first replies (6 × the one-by-one limit) and 300 of another bot
    const rows = Array.from({ length: 6300 }, (_, i) => ({
      id: `conv_twins_${i}:agent_first_reply`,
      tenantId: u.tenantId,
      conversationId: `conv_twins_${i}`,
      botId: i < 6000 ? u.botId : "bot_twinsSmall",
      channel: "chat" as const,
      kind: "agent_first_reply",
      actor: "agent" as const,
      actorId: null,
      at: now - 3 * DAY + i * 1000 + Math.floor(r() * 1000),
      valueMs: 60_000 + Math.floor(r() * 60_000),
      data: null,
    }));
    await copy(rows);
    const to = localDate(now, "UTC");
    const from = addDays(to, -6);
    const get = async (q: string) =>
      (await expectJson(call(`/api/analytics/summary?from=${from}&to=${to}&tz=UTC${q}`, { token: u.token }), 200))
        .businessHours;
    const all = await get(`&botId=${u.botId}`);
    const values = rows.slice(0, 6000).map((x) => x.valueMs);
    expect(all.sampled).toBe(true);
    expect(all.firstResponseMs.count).toBe(6000);
    // the sample (about 1,000: a rank's standard error ≈ 1.6 %) puts the median and p90 within 4 %
    // of the exact ones' ranks
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
    expect(all.firstResponseMs.p50).toBeGreaterThanOrEqual(at(0.46));
    expect(all.firstResponseMs.p50).toBeLessThanOrEqual(at(0.54));
    expect(all.firstResponseMs.p90).toBeGreaterThanOrEqual(at(0.86));
    expect(all.firstResponseMs.p90).toBeLessThanOrEqual(at(0.94));
    // under the limit every event is read: exact, not sampled
    const small = await get("&botId=bot_twinsSmall");
    expect(small.sampled).toBe(false);
    expect(small.firstResponseMs).toEqual(dist(rows.slice(6000).map((x) => x.valueMs)));
  });

  it("keep the query plans the triggers and reads rely on (no scan of a tenant's events per insert)", async () => {
    const plan = async (q: string) =>
      (await env.DB.prepare(`EXPLAIN QUERY PLAN ${q}`).all<{ detail: string }>()).results
        .map((r) => r.detail)
        .join("; ");
    // the triggers' per-conversation lookups (first hand-off, previous rating)
    for (const kind of ["handed_off", "rated"])
      expect(
        await plan(
          `SELECT 1 FROM conversation_events e WHERE e.tenant_id = 't' AND e.conversation_id = 'c' AND e.kind = '${kind}' AND e.id <> 'x'`,
        ),
      ).toContain("conversation_events_tenant_conv_idx");
    // a range read of some kinds' durations
    expect(
      await plan(
        "SELECT kind, at, value_ms FROM conversation_events WHERE tenant_id = 't' AND kind IN ('resolved', 'agent_reply') AND at >= 0 AND at < 10",
      ),
    ).toContain("conversation_events_tenant_kind_at_idx");
  });

  it("bin durations in SQL as binOf does, and histogram percentiles stay within a bin of the exact ones", async () => {
    const values = [0, 1, 999, 1000, 1004, 1005, 9999, 10_000, 180_000, 183_456, 59_999_999, 123_456_789];
    const c = `conv_bins_${t.tenantId}`;
    const day = Math.floor((now - 3 * DAY) / DAY) * DAY;
    await copy(
      values.map((v, i) => ({
        id: `${c}:${i}`,
        tenantId: t.tenantId,
        conversationId: c,
        botId: "bot_bins",
        channel: "chat",
        kind: "resolved",
        actor: "system",
        actorId: null,
        at: day + i,
        valueMs: v,
        data: { by: "system" },
      })),
    );
    const { results } = await env.DB.prepare(
      "SELECT bin, n, total FROM analytics_histogram WHERE tenant_id = ? AND bot_id = 'bot_bins' ORDER BY bin",
    )
      .bind(t.tenantId)
      .all<{ bin: number; n: number; total: number }>();
    const expected = new Map<number, number[]>();
    for (const v of values) expected.set(binOf(v), [...(expected.get(binOf(v)) ?? []), v]);
    expect(results.map((x) => [x.bin, x.n, x.total])).toEqual(
      [...expected.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([bin, vs]) => [bin, vs.length, vs.reduce((s, v) => s + v, 0)]),
    );
    for (const v of values) {
      const [lo, hi] = binBounds(binOf(v));
      expect(v >= lo && v < hi).toBe(true);
      expect(hi - lo <= Math.max(1, 0.05 * lo)).toBe(true);
    }
    // a spread of values: each histogram percentile lies in the bin of the exact one
    const r = rng(7);
    const spread = Array.from({ length: 5000 }, () => Math.floor(10 ** (2 + r() * 5)));
    const bins = new Map<number, { bin: number; n: number; total: number }>();
    for (const v of spread) {
      const b = bins.get(binOf(v)) ?? { bin: binOf(v), n: 0, total: 0 };
      bins.set(b.bin, { ...b, n: b.n + 1, total: b.total + v });
    }
    const approx = histogramDist([...bins.values()]);
    const exact = dist(spread);
    expect(approx.count).toBe(exact.count);
    for (const p of ["p50", "p90"] as const) {
      const [lo, hi] = binBounds(binOf(exact[p]!));
      expect(approx[p]! >= lo && approx[p]! <= hi).toBe(true);
    }
  });
});
