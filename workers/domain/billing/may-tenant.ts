import { AppError } from "../../lib/errors";
import type { BaseCtx } from "../ctx";
import {
  coversAnswers,
  decideEntitlement,
  effectivePlan,
  type Action,
  type Allowance,
  type BillingSnapshot,
} from "./entitlement";
import { DEFAULT_PLAN, isPlanId, periodBounds, periodOf, planOf } from "./plans";

/** What the billing verbs need: the database, config (is Stripe on?), the clock and the tenant. */
export type BillingCtx = Pick<BaseCtx, "repos" | "config" | "clock"> & { tenantId: string };

/**
 * Whether the next answer (of this bot, else the tenant's) is a paid model call: any model but the
 * embedded answerer — the bot's own chain, the tenant's key or the deployment's provider. Budget caps
 * and the over-quota choice apply to paid calls only.
 */
export async function paidAnswer(ctx: BillingCtx & Pick<BaseCtx, "providers">, botId?: string): Promise<boolean> {
  const model = await ctx.providers.answerModel(ctx.tenantId, botId).catch(() => null);
  return model ? model.name !== "offline" : ctx.config.answerProvider !== "offline";
}

/** The plan-deciding fields of a tenant's billing row (none: the default plan, never subscribed). */
export function planFieldsOf(
  a: { plan: string; status: BillingSnapshot["status"]; periodEnd: Date | null } | undefined,
): Pick<BillingSnapshot, "plan" | "status" | "periodEnd"> {
  return {
    plan: a && isPlanId(a.plan) ? a.plan : DEFAULT_PLAN,
    status: a?.status ?? "none",
    periodEnd: a?.periodEnd ? a.periodEnd.getTime() : null,
  };
}

/** The tenant's billing state and this period's usage (one D1 round trip, two more for bots/seats when asked). */
export async function loadBillingSnapshot(
  ctx: BillingCtx,
  need: { bots?: boolean; seats?: boolean; botId?: string } = {},
): Promise<BillingSnapshot> {
  const repo = ctx.repos.billing;
  const now = ctx.clock.now();
  const period = periodOf(now);
  const [u, bots, seats] = await Promise.all([
    repo.accountUsage(ctx.tenantId, period, need.botId),
    need.bots ? repo.botCount(ctx.tenantId) : undefined,
    need.seats ? repo.seatCount(ctx.tenantId) : undefined,
  ]);
  const a = u.account;
  const fields = planFieldsOf(a);
  let covered = u.creditsCovered;
  const ended = coverEndedAt(a, fields, now, period);
  if (ended !== null && (u.creditsCoveredAt ?? 0) < ended) {
    // a plan that paid for this month's answers has ended: they are not the credits' to pay
    covered = Math.max(covered, u.aiAnswers - u.creditsSpentNow);
    await repo.coverCreditsStmt(ctx.tenantId, period, covered, now, ended).run();
  }
  return {
    ...fields,
    billingOn: isStripeConfigured(ctx.config),
    overQuota: a?.overQuota ?? "handoff",
    budgetCapMicros: a?.budgetCapMicros ?? null,
    used: {
      aiAnswers: u.aiAnswers,
      voiceSeconds: u.voiceSeconds,
      channelMessages: u.channelMessages,
      costMicros: u.costMicros,
    },
    ...(u.bot ? { bot: u.bot } : {}),
    creditsAvailable: Math.max(0, (a?.creditsGranted ?? 0) - u.creditsSpentBefore),
    creditsSpentNow: u.creditsSpentNow,
    creditsCovered: covered,
    ...(bots !== undefined ? { bots } : {}),
    ...(seats !== undefined ? { seats } : {}),
  };
}

/**
 * When the subscribed plan stopped covering this period's answers, if it did: the account names a
 * covering plan (Pro, Enterprise) that is no longer in force — cancelled and past its period end,
 * or unpaid/incomplete since the account's last change — and that end falls in this period.
 */
function coverEndedAt(
  a: { plan: string; status: string; periodEnd: Date | null; updatedAt: Date } | undefined,
  fields: Pick<BillingSnapshot, "plan" | "status" | "periodEnd">,
  now: number,
  period: string,
): number | null {
  if (!a || fields.status === "none" || !coversAnswers(planOf(fields.plan))) return null;
  if (coversAnswers(effectivePlan(fields, now))) return null;
  const ended = fields.status === "canceled" && fields.periodEnd !== null ? fields.periodEnd : a.updatedAt.getTime();
  return ended >= periodBounds(period).start ? ended : null;
}

export const isStripeConfigured = (config: BaseCtx["config"]) =>
  Boolean(config.stripeSecretKey && config.stripeWebhookSecret);

/** "May this tenant do X now?" — the one question every gated route and the conversation room ask. */
export async function mayTenant(ctx: BillingCtx, action: Action): Promise<Allowance> {
  const snap = await loadBillingSnapshot(ctx, {
    bots: action.kind === "create_bot",
    seats: action.kind === "add_seat",
    ...(action.kind === "ai_answer" && action.botId !== undefined ? { botId: action.botId } : {}),
  });
  return decideEntitlement(snap, action, ctx.clock.now());
}

/**
 * Whether the tenant's plan lets it use a channel or feature now. Without Stripe no plan locks one
 * (entitlement.ts `billingLocks`), so the answer is yes without reading billing: the inbound paths
 * that ask per message or per sign-in (WhatsApp, "SSO required") cost nothing on such deployments.
 */
export async function mayUse(ctx: BillingCtx, action: Extract<Action, { kind: "channel" | "feature" }>) {
  if (!isStripeConfigured(ctx.config)) return true;
  return (await mayTenant(ctx, action)).ok;
}

/** A refusal as the problem routes answer: 402/403 naming the plan and the limit (RFC 9457 extension members). */
export function refusalError(a: Extract<Allowance, { ok: false }>): AppError {
  return new AppError(a.code, a.detail, {
    members: { plan: a.plan, limit: a.limit, max: a.max, used: a.used, upgrade: "/app/billing" },
  });
}

/** Throws the refusal (routes); returns the allowance when the action may go ahead. */
export async function requireAllowed(ctx: BillingCtx, action: Action) {
  const a = await mayTenant(ctx, action);
  if (!a.ok) throw refusalError(a);
  return a;
}
