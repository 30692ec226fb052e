import type { z } from "@hono/zod-openapi";
import type { Ctx } from "../ctx";
import { decideEntitlement, effectivePlan } from "./entitlement";
import { isStripeConfigured, loadBillingSnapshot, paidAnswer } from "./may-tenant";
import { CREDIT_PACKS, PLANS, periodBounds, periodOf } from "./plans";
import { NotFound } from "../../lib/errors";
import type { BillingDto, BillingSettingsInput, BotBillingInput, UsageDto, UsageQuery } from "./schemas";

/** GET /api/billing: the plan in force, its limits against this period's usage, and the catalogue. */
export async function getBilling(ctx: Ctx): Promise<z.infer<typeof BillingDto>> {
  const now = ctx.clock.now();
  const s = await loadBillingSnapshot(ctx, { bots: true, seats: true });
  const plan = effectivePlan(s, now);
  const period = periodOf(now);
  const { start, end } = periodBounds(period);
  const answer = decideEntitlement(s, { kind: "ai_answer", paid: await paidAnswer(ctx) }, now);
  const stripe = isStripeConfigured(ctx.config);
  const [account, botRows, botSettings, counters] = await Promise.all([
    ctx.repos.billing.account(ctx.tenantId),
    ctx.repos.bots.list(ctx.tenantId),
    ctx.repos.billing.botSettings(ctx.tenantId),
    ctx.repos.billing.counters(ctx.tenantId, period),
  ]);
  const granted = account?.creditsGranted ?? 0;
  const available = Math.max(
    0,
    (s.creditsAvailable ?? granted) - Math.max(0, s.used.aiAnswers - (plan.limits.aiAnswers ?? Infinity)),
  );
  return {
    plan: plan.id,
    planName: plan.name,
    status: s.status,
    periodEnd: s.periodEnd ? new Date(s.periodEnd).toISOString() : null,
    cancelAtPeriodEnd: account?.cancelAtPeriodEnd ?? false,
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
    credits: { granted, spent: granted - available, available },
    bots: botRows.map((b) => {
      const set = botSettings.find((x) => x.botId === b.id);
      return {
        botId: b.id,
        name: b.name,
        overQuotaChoice: set?.overQuota ?? null,
        budgetCapMicros: set?.budgetCapMicros ?? null,
        costMicros: counters.filter((c) => c.botId === b.id).reduce((a, c) => a + c.costMicros, 0),
      };
    }),
    creditPacks: Object.values(CREDIT_PACKS).map((p) => ({
      id: p.id,
      name: p.name,
      answers: p.answers,
      priceCents: p.priceCents,
    })),
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
  const [rows, models] = await Promise.all([
    ctx.repos.billing.counters(ctx.tenantId, period),
    ctx.repos.billing.modelCosts(ctx.tenantId, period),
  ]);
  const byBot = new Map<string, { botId: string; aiAnswers: number; voiceSeconds: number; costMicros: number }>();
  const totals = { aiAnswers: 0, voiceSeconds: 0, costMicros: 0 };
  for (const r of rows) {
    const b = byBot.get(r.botId) ?? { botId: r.botId, aiAnswers: 0, voiceSeconds: 0, costMicros: 0 };
    // ai_tokens rows carry the cost of model calls; their quantity (tokens) is in byModel
    const key = r.metric === "ai_answers" ? "aiAnswers" : r.metric === "voice_seconds" ? "voiceSeconds" : null;
    if (key) {
      b[key] += r.quantity;
      totals[key] += r.quantity;
    }
    b.costMicros += r.costMicros;
    totals.costMicros += r.costMicros;
    byBot.set(r.botId, b);
  }
  return {
    period,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    totals,
    byBot: [...byBot.values()].sort((a, b) => a.botId.localeCompare(b.botId)),
    byModel: models
      .map((m) => ({
        botId: m.botId,
        model: m.model,
        calls: m.calls,
        inputTokens: m.inputTokens,
        outputTokens: m.outputTokens,
        costMicros: m.costMicros,
      }))
      .sort((a, b) => a.botId.localeCompare(b.botId) || a.model.localeCompare(b.model)),
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

/** PUT /api/billing/bots/:botId: the bot's own over-quota choice and budget cap (null: the tenant's). */
export async function saveBotBilling(ctx: Ctx, botId: string, input: z.infer<typeof BotBillingInput>) {
  const bot = await ctx.repos.bots.get(ctx.tenantId, botId);
  if (!bot) throw new NotFound("bot", botId);
  const set = {
    ...(input.overQuotaChoice !== undefined ? { overQuota: input.overQuotaChoice } : {}),
    ...(input.budgetCapMicros !== undefined ? { budgetCapMicros: input.budgetCapMicros } : {}),
  };
  await ctx.repos.billing.setBotSettingsStmt(ctx.tenantId, botId, set, new Date(ctx.clock.now())).run();
  return getBilling(ctx);
}
