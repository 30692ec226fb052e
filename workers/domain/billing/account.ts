import type { z } from "@hono/zod-openapi";
import type { Ctx } from "../ctx";
import { decideEntitlement, effectivePlan } from "./entitlement";
import { isStripeConfigured, loadBillingSnapshot } from "./may-tenant";
import { PLANS, periodBounds, periodOf } from "./plans";
import type { BillingDto, BillingSettingsInput, UsageDto, UsageQuery } from "./schemas";

/** GET /api/billing: the plan in force, its limits against this period's usage, and the catalogue. */
export async function getBilling(ctx: Ctx): Promise<z.infer<typeof BillingDto>> {
  const now = ctx.clock.now();
  const s = await loadBillingSnapshot(ctx, { bots: true, seats: true });
  const plan = effectivePlan(s, now);
  const period = periodOf(now);
  const { start, end } = periodBounds(period);
  const answer = decideEntitlement(s, { kind: "ai_answer", paid: ctx.config.answerProvider !== "offline" }, now);
  const stripe = isStripeConfigured(ctx.config);
  return {
    plan: plan.id,
    planName: plan.name,
    status: s.status,
    periodEnd: s.periodEnd ? new Date(s.periodEnd).toISOString() : null,
    cancelAtPeriodEnd: (await ctx.repos.billing.account(ctx.tenantId))?.cancelAtPeriodEnd ?? false,
    overQuota: !answer.ok,
    overQuotaChoice: s.overQuota,
    budgetCapMicros: s.budgetCapMicros,
    mode: stripe ? "stripe" : "embedded",
    paymentIssue: s.status === "past_due" || s.status === "unpaid",
    period: { id: period, start: new Date(start).toISOString(), end: new Date(end).toISOString() },
    usage: {
      aiAnswers: { used: s.used.aiAnswers, limit: plan.limits.aiAnswers },
      voiceMinutes: { used: Math.ceil(s.used.voiceSeconds / 60), limit: plan.limits.voiceMinutes },
      bots: { used: s.bots ?? 0, limit: plan.limits.bots },
      seats: { used: s.seats ?? 0, limit: plan.limits.seats },
      costMicros: s.used.costMicros,
    },
    plans: Object.values(PLANS).map((p) => ({
      id: p.id,
      name: p.name,
      priceCents: p.priceCents,
      aiAnswers: p.limits.aiAnswers,
      purchasable: stripe && p.stripePriceId !== null,
    })),
  };
}

/** GET /api/billing/usage: the period's counters, per bot. */
export async function getUsage(ctx: Ctx, q: z.infer<typeof UsageQuery>): Promise<z.infer<typeof UsageDto>> {
  const period = q.period ?? periodOf(ctx.clock.now());
  const { start, end } = periodBounds(period);
  const rows = await ctx.repos.billing.counters(ctx.tenantId, period);
  const byBot = new Map<string, { botId: string; aiAnswers: number; voiceSeconds: number; costMicros: number }>();
  const totals = { aiAnswers: 0, voiceSeconds: 0, costMicros: 0 };
  for (const r of rows) {
    const b = byBot.get(r.botId) ?? { botId: r.botId, aiAnswers: 0, voiceSeconds: 0, costMicros: 0 };
    const key = r.metric === "ai_answers" ? "aiAnswers" : "voiceSeconds";
    b[key] += r.quantity;
    b.costMicros += r.costMicros;
    totals[key] += r.quantity;
    totals.costMicros += r.costMicros;
    byBot.set(r.botId, b);
  }
  return {
    period,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    totals,
    byBot: [...byBot.values()].sort((a, b) => a.botId.localeCompare(b.botId)),
  };
}

/** PUT /api/billing/settings: the over-quota choice and the monthly AI budget cap. */
export async function saveBillingSettings(ctx: Ctx, input: z.infer<typeof BillingSettingsInput>) {
  const set = {
    ...(input.overQuotaChoice !== undefined ? { overQuota: input.overQuotaChoice } : {}),
    ...(input.budgetCapMicros !== undefined ? { budgetCapMicros: input.budgetCapMicros } : {}),
  };
  await ctx.repos.billing.setSettingsStmt(ctx.tenantId, set, new Date(ctx.clock.now())).run();
  return getBilling(ctx);
}
