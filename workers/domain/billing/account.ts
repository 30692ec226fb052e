import type { z } from "@hono/zod-openapi";
import type { Ctx } from "../ctx";
import { creditOverage, creditsPayOverage, decideEntitlement, effectivePlan } from "./entitlement";
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
  // this period's answers past the quota are paid from credits only on a plan that degrades (and
  // not those a covering plan paid for); on any other plan, what this period already spent stays spent
  const paidFromCredits = creditsPayOverage(plan) ? creditOverage(plan, s) : (s.creditsSpentNow ?? 0);
  const available = Math.max(0, (s.creditsAvailable ?? granted) - paidFromCredits);
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
      // email and WhatsApp messages in and out: counted, not limited by any plan
      channelMessages: { used: s.used.channelMessages ?? 0, limit: null },
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
      channels: [...p.channels],
      features: [...p.features],
    })),
    planLocks: stripe,
  };
}

type UsageTotals = {
  aiAnswers: number;
  voiceSeconds: number;
  voiceMinutes: number;
  channelMessages: number;
  emailMessages: number;
  whatsappMessages: number;
  costMicros: number;
};
const COUNTED = {
  ai_answers: "aiAnswers",
  voice_seconds: "voiceSeconds",
  email_messages: "emailMessages",
  whatsapp_messages: "whatsappMessages",
} as const;
const emptyTotals = (): UsageTotals => ({
  aiAnswers: 0,
  voiceSeconds: 0,
  voiceMinutes: 0,
  channelMessages: 0,
  emailMessages: 0,
  whatsappMessages: 0,
  costMicros: 0,
});
/** Voice minutes as the plan counts them (seconds added up, rounded up); channel messages summed. */
const finish = <T extends UsageTotals>(t: T): T => ({
  ...t,
  voiceMinutes: Math.ceil(t.voiceSeconds / 60),
  channelMessages: t.emailMessages + t.whatsappMessages,
});

/** GET /api/billing/usage: the period's counters, per bot. */
export async function getUsage(ctx: Ctx, q: z.infer<typeof UsageQuery>): Promise<z.infer<typeof UsageDto>> {
  const period = q.period ?? periodOf(ctx.clock.now());
  const { start, end } = periodBounds(period);
  const [rows, models] = await Promise.all([
    ctx.repos.billing.counters(ctx.tenantId, period),
    ctx.repos.billing.modelCosts(ctx.tenantId, period),
  ]);
  const byBot = new Map<string, UsageTotals & { botId: string }>();
  const totals = emptyTotals();
  for (const r of rows) {
    const b = byBot.get(r.botId) ?? { botId: r.botId, ...emptyTotals() };
    // ai_tokens rows carry the cost of model calls; their quantity (tokens) is in byModel
    const key = r.metric in COUNTED ? COUNTED[r.metric as keyof typeof COUNTED] : null;
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
    totals: finish(totals),
    byBot: [...byBot.values()].map(finish).sort((a, b) => a.botId.localeCompare(b.botId)),
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
