import { z } from "@hono/zod-openapi";
import type { CallCostRow } from "../../storage/voice-repo";
import type { Ctx } from "../ctx";
import { resolveRange } from "./index";
import type { AnalyticsQuery } from "./schemas";

/**
 * Voice cost (issue 19): calls, minutes and provider-reported cost per bot and per month, from
 * voice_calls (the end-of-call reports' figures), for calls started in the range. Costs are kept
 * per currency: Vapi and Retell report USD, ElevenLabs credits; they are never added together.
 */
const CostLine = z.object({
  currency: z.string(),
  calls: z.number(),
  minutes: z.number(),
  cost: z.number(),
  costPerCall: z.number().nullable(),
});
export const CallCostsDto = z
  .object({
    range: z.object({ from: z.string(), to: z.string(), tz: z.string() }),
    totals: z.array(CostLine),
    byBot: z.array(CostLine.extend({ botId: z.string() })),
    byMonth: z.array(CostLine.extend({ month: z.string().openapi({ description: "YYYY-MM (UTC)" }) })),
  })
  .openapi("AnalyticsCallCosts");
export type CallCostsDto = z.infer<typeof CallCostsDto>;

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

function line(calls: number, seconds: number, cost: number, currency: string | null) {
  return {
    currency: currency ?? "none",
    calls,
    minutes: round(seconds / 60, 2),
    cost: round(cost, 4),
    costPerCall: calls ? round(cost / calls, 4) : null,
  };
}

function totalsOf(rows: CallCostRow[]) {
  const by = new Map<string, { calls: number; seconds: number; cost: number }>();
  for (const r of rows) {
    const t = by.get(r.currency ?? "none") ?? { calls: 0, seconds: 0, cost: 0 };
    t.calls += Number(r.calls);
    t.seconds += Number(r.seconds);
    t.cost += Number(r.cost);
    by.set(r.currency ?? "none", t);
  }
  return [...by.entries()].map(([currency, t]) => line(t.calls, t.seconds, t.cost, currency));
}

/** GET /api/analytics/calls */
export async function getCallCosts(ctx: Ctx, q: AnalyticsQuery): Promise<CallCostsDto> {
  const r = resolveRange(q, ctx.clock.now());
  const input = { fromMs: r.fromMs, toMs: r.toMs, ...(q.botId && { botId: q.botId }) };
  const [bots, months] = await Promise.all([
    ctx.repos.voiceCalls.costs(ctx.tenantId, { ...input, by: "bot" }),
    ctx.repos.voiceCalls.costs(ctx.tenantId, { ...input, by: "month" }),
  ]);
  return {
    range: { from: r.from, to: r.to, tz: r.tz },
    totals: totalsOf(bots),
    byBot: bots.map((b) => ({ botId: b.key, ...line(Number(b.calls), Number(b.seconds), Number(b.cost), b.currency) })),
    byMonth: months.map((m) => ({
      month: m.key,
      ...line(Number(m.calls), Number(m.seconds), Number(m.cost), m.currency),
    })),
  };
}

/** The same as CSV: one row per total, bot and month. */
export function callCostsCsv(b: CallCostsDto): string {
  const rows = [
    ["group", "key", "currency", "calls", "minutes", "cost", "costPerCall"],
    ...b.totals.map((t) => ["total", "", t.currency, t.calls, t.minutes, t.cost, t.costPerCall ?? ""]),
    ...b.byBot.map((t) => ["bot", t.botId, t.currency, t.calls, t.minutes, t.cost, t.costPerCall ?? ""]),
    ...b.byMonth.map((t) => ["month", t.month, t.currency, t.calls, t.minutes, t.cost, t.costPerCall ?? ""]),
  ];
  return `${rows.map((r) => r.map(String).join(",")).join("\r\n")}\r\n`;
}
