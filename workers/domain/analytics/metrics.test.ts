import { describe, expect, it } from "vitest";
import type { EventPoint } from "../../storage/analytics-repo";
import { aiOutcome, ASSUMED_AFTER_MS, dist, percentile, type AiOutcome } from "./metrics";
import { groupQuestions } from "./questions";
import { hourOfWeek, localDate, offsetSegments, startOfLocalDay } from "./range";

/** Table tests of the metric rules (docs/analytics.md); expected values worked out by hand. */

const H = 3_600_000;
const e = (kind: string, at: number, data: Record<string, unknown> | null = null): EventPoint => ({
  conversationId: "conv_1",
  botId: "bot_1",
  channel: "chat",
  kind,
  actorId: null,
  at,
  valueMs: null,
  data,
});
const answer = (at: number) => e("ai_answered", at, { confidence: 0.9, abstained: false });

const rows: { name: string; events: EventPoint[]; now: number; outcome: AiOutcome }[] = [
  { name: "no AI answer: not involved", events: [e("opened", 0)], now: 48 * H, outcome: "not_involved" },
  {
    name: "a greeting alone is no attempt",
    events: [e("ai_answered", 0, { act: "greeting", abstained: false })],
    now: 48 * H,
    outcome: "not_involved",
  },
  { name: "answered, silent for 24 h: assumed", events: [answer(0)], now: ASSUMED_AFTER_MS, outcome: "assumed" },
  { name: "answered, silent for 23 h: pending", events: [answer(0)], now: 23 * H, outcome: "pending" },
  {
    name: "answered then thanked: confirmed at once",
    events: [answer(0), e("ai_answered", 1000, { act: "thanks", abstained: false })],
    now: 1 * H,
    outcome: "confirmed",
  },
  {
    name: "answered then rated 4: confirmed",
    events: [answer(0), e("rated", 1000, { score: 4 })],
    now: 1 * H,
    outcome: "confirmed",
  },
  {
    name: "answered then rated 3: not resolved",
    events: [answer(0), e("rated", 1000, { score: 3 })],
    now: 48 * H,
    outcome: "unresolved",
  },
  {
    name: "abstained only: involved, not resolved",
    events: [e("ai_answered", 0, { abstained: true })],
    now: 48 * H,
    outcome: "unresolved",
  },
  {
    name: "a later return for help (hand-off) takes the resolution back",
    events: [answer(0), e("handed_off", 30 * H, { reason: "asked_for_human" })],
    now: 48 * H,
    outcome: "unresolved",
  },
  {
    name: "a later answered question moves the last answer forward",
    events: [answer(0), answer(30 * H)],
    now: 48 * H,
    outcome: "pending",
  },
  {
    name: "a later abstention takes it back",
    events: [answer(0), e("ai_answered", 30 * H, { abstained: true })],
    now: 80 * H,
    outcome: "unresolved",
  },
];

describe("aiOutcome", () => {
  for (const r of rows) it(r.name, () => expect(aiOutcome(r.events, r.now)).toBe(r.outcome));
});

describe("percentiles (nearest rank)", () => {
  it("takes the smallest value with at least p of the values at or below it", () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
    expect(dist([30, null, 10, 20])).toEqual({ p50: 20, p90: 30, count: 3 });
  });
});

describe("local days", () => {
  it("counts midnight and hours of week in the zone, across a DST change", () => {
    // Berlin is UTC+1 in winter, UTC+2 in summer; DST ends on 25 October 2026
    expect(startOfLocalDay("2026-11-02", "Europe/Berlin")).toBe(Date.UTC(2026, 10, 1, 23));
    expect(startOfLocalDay("2026-07-01", "Europe/Berlin")).toBe(Date.UTC(2026, 5, 30, 22));
    expect(startOfLocalDay("2026-10-25", "Europe/Berlin")).toBe(Date.UTC(2026, 9, 24, 22));
    expect(localDate(Date.UTC(2026, 10, 1, 23, 30), "Europe/Berlin")).toBe("2026-11-02");
    // Monday 2 November 2026 09:00 UTC
    expect(hourOfWeek(Date.UTC(2026, 10, 2, 9), "UTC")).toBe(9);
    expect(hourOfWeek(Date.UTC(2026, 10, 2, 9), "America/New_York")).toBe(4);
  });

  it("cuts a range where the offset changes, so slot arithmetic gives every quarter hour's local hour of week", () => {
    const SLOT = 900_000;
    // the rollups' SQL: ((slot + offset in slots) / 4 + 72) % 168, per segment
    const how = (slot: number, off: number) => (Math.floor((slot + off) / 4) + 72) % 168;
    for (const [tz, from, to, changes] of [
      ["Europe/Berlin", "2026-10-20", "2026-10-31", 1],
      ["America/New_York", "2026-03-01", "2026-03-14", 1],
      ["Australia/Lord_Howe", "2026-03-30", "2026-04-10", 1], // a half-hour DST change
      ["Asia/Kathmandu", "2026-11-01", "2026-11-03", 0], // UTC+5:45
      ["UTC", "2026-11-01", "2026-11-30", 0],
    ] as const) {
      const a = startOfLocalDay(from, tz);
      const b = startOfLocalDay(to, tz);
      const segs = offsetSegments(a, b, tz);
      expect(segs.length - 1).toBe(changes);
      expect(segs[0]!.from).toBe(a);
      expect(segs.at(-1)!.to).toBe(b);
      for (let slot = a / SLOT; slot < b / SLOT; slot++) {
        const seg = segs.find((x) => slot < Math.floor(x.to / SLOT))!;
        expect([tz, slot, how(slot, Math.round(seg.offset / SLOT))]).toEqual([tz, slot, hourOfWeek(slot * SLOT, tz)]);
      }
    }
  });
});

describe("groupQuestions", () => {
  it("groups questions sharing their content words, largest group first", () => {
    const g = groupQuestions([
      { text: "How do I export my notes to PDF?", conversationId: "c1", reason: "abstained" },
      { text: "Can I cancel my subscription?", conversationId: "c2", reason: "low_confidence" },
      { text: "export notes as PDF", conversationId: "c3", reason: "abstained" },
      { text: "How do I export my notes to PDF?", conversationId: "c4", reason: "abstained" },
    ]);
    expect(g.map((x) => [x.label, x.count])).toEqual([
      ["How do I export my notes to PDF?", 3],
      ["Can I cancel my subscription?", 1],
    ]);
    expect(g[0]!.examples).toEqual(["How do I export my notes to PDF?", "export notes as PDF"]);
    expect(g[0]!.reasons).toEqual({ abstained: 3 });
  });

  it("a bare number names an instance, not the topic; examples by frequency, then text", () => {
    const q = (text: string, i: number) => ({ text, conversationId: `c${i}`, reason: "now" });
    const g = groupQuestions([
      q("Where is my order 1234?", 1),
      q("Where is my order #5678", 2),
      q("Where is my order #5678", 3),
      q("Refund for invoice 2024-17", 4),
      q("Where is my order 99?", 5),
      q("refund for invoice 88", 6),
      ...Array.from({ length: 30 }, (_, i) => q("Where is my order 1234?", 10 + i)),
    ]);
    expect(g.map((x) => [x.label, x.count])).toEqual([
      ["Where is my order 1234?", 34],
      ["Refund for invoice 2024-17", 2],
    ]);
    expect(g[0]!.examples).toEqual(["Where is my order 1234?", "Where is my order #5678", "Where is my order 99?"]);
    expect(g[0]!.conversationIds).toHaveLength(20);
    expect(g[0]!.conversationIds.slice(0, 4)).toEqual(["c1", "c2", "c3", "c5"]);
  });
});
