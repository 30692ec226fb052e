import type { BillingStatus, OverQuotaChoice } from "../../storage/schema";
import { DEFAULT_PLAN, planOf, type Channel, type Feature, type Plan, type PlanId } from "./plans";

/**
 * "May this tenant do X now?" as a pure decision over a snapshot (loaded by `mayTenant` in
 * may-tenant.ts). Every gated route and the conversation room ask through it, so a refusal reads
 * the same everywhere: a 402 when something is used up (quota, budget cap), a 403 when the plan does
 * not include it, each naming the plan and the limit.
 */

export type Action =
  /** One AI answer; `paid` when it would call a paid model (the budget cap applies). */
  | { kind: "ai_answer"; paid?: boolean; botId?: string }
  | { kind: "create_bot" }
  | { kind: "add_seat" }
  | { kind: "voice_minute" }
  | { kind: "channel"; channel: Channel }
  | { kind: "feature"; feature: Feature };

export type BillingSnapshot = {
  plan: PlanId;
  status: BillingStatus;
  periodEnd: number | null;
  /** Stripe is configured (keys present): metered overage can be billed. */
  billingOn: boolean;
  overQuota: OverQuotaChoice;
  budgetCapMicros: number | null;
  /** The answering bot's own choice and cap (null: the tenant's), and its AI cost this period. */
  bot?: { overQuota: OverQuotaChoice | null; budgetCapMicros: number | null; costMicros: number };
  /** Credit-pack answers left for this period's overage (bought, less what earlier periods spent). */
  creditsAvailable?: number;
  /** Credit-pack answers this period already spent (settled). */
  creditsSpentNow?: number;
  /**
   * This period's answers a plan that does not spend credits (Pro, Enterprise) paid for before it
   * ended: credits pay only for answers past max(the quota, this).
   */
  creditsCovered?: number;
  /** This period's usage. */
  used: { aiAnswers: number; voiceSeconds: number; channelMessages?: number; costMicros: number };
  /** Present for the actions that count them. */
  bots?: number;
  seats?: number;
};

export type Refusal = {
  ok: false;
  status: 402 | 403;
  code: "PAYMENT_REQUIRED" | "PLAN_LIMIT";
  plan: PlanId;
  /** Which limit: `aiAnswers`, `budget`, `botBudget`, `bots`, `seats`, `voiceMinutes`, `channel:voice`, `feature:sso`. */
  limit: string;
  max: number | null;
  used: number;
  detail: string;
  /** What a bot does instead of answering (AI answers and budget only). */
  choice: OverQuotaChoice;
};
export type Allowance =
  | {
      ok: true;
      plan: PlanId;
      overage: boolean;
      remaining: number | null;
      /** The answer is past the plan's quota and paid from credit packs. */
      credits?: true;
    }
  | Refusal;

/** Statuses that keep the subscribed plan; `past_due` keeps it while Stripe retries (the dunning banner shows). */
const LIVE: ReadonlySet<BillingStatus> = new Set(["active", "trialing", "past_due"]);

/** The plan in force now: the subscribed one while live (or cancelled but paid up), else the default. */
export function effectivePlan(s: Pick<BillingSnapshot, "plan" | "status" | "periodEnd">, now: number): Plan {
  if (LIVE.has(s.status)) return planOf(s.plan);
  if (s.status === "canceled" && s.periodEnd !== null && now < s.periodEnd) return planOf(s.plan);
  return planOf(s.status === "none" ? s.plan : DEFAULT_PLAN);
}

/** Past the quota, this answer is billed as metered overage: a metered plan, Stripe on, a subscription that pays. */
export function meteredOverageBilled(plan: Plan, s: Pick<BillingSnapshot, "billingOn" | "status">): boolean {
  return plan.overage.kind === "metered" && s.billingOn && (s.status === "active" || s.status === "trialing");
}

/**
 * The credits rule (README "Credit packs"): credits pay for answers past the quota only on plans
 * whose overage rule is `degrade`. A plan with metered overage never spends them — while its
 * subscription pays, Stripe bills the overage (every answer goes to the meter, whose price holds
 * the included quantity, so an answer paid from credits would be billed twice); while it does not
 * (past due, cancelled to the period end, Stripe off), the over-quota choice applies. Credits held
 * on such a plan wait, unexpired, for a plan that degrades; they cannot be bought on it (checkout.ts).
 */
export const creditsPayOverage = (plan: Plan): boolean => plan.overage.kind === "degrade";

/** A plan whose answers are never paid from credits: unlimited, or its overage is metered. */
export const coversAnswers = (plan: Plan): boolean => plan.limits.aiAnswers === null || !creditsPayOverage(plan);

/**
 * This period's answers past the quota that credits pay for on `plan`: those past max(the quota,
 * what a covering plan paid for earlier in the month). A downgrade from Pro to Free on the 15th
 * does not charge credits for the 3,000 answers Pro covered — only for the answers after it.
 */
export function creditOverage(plan: Plan, s: Pick<BillingSnapshot, "used" | "creditsCovered">): number {
  const max = plan.limits.aiAnswers;
  if (max === null || !creditsPayOverage(plan)) return 0;
  return Math.max(0, s.used.aiAnswers - Math.max(max, s.creditsCovered ?? 0));
}

/**
 * Channels and features a plan lacks are refused only while Stripe is configured: a deployment
 * without billing has no way to sell the upgrade, so it does not lock a self-hosted team out of
 * WhatsApp or SSO — its tenants stay on the default plan and its usage quotas (AI answers, voice
 * minutes, bots, seats) still apply (README "Billing and plans").
 */
export const billingLocks = (s: Pick<BillingSnapshot, "billingOn">): boolean => s.billingOn;

export function decideEntitlement(s: BillingSnapshot, action: Action, now: number): Allowance {
  const plan = effectivePlan(s, now);
  const refuse = (r: Omit<Refusal, "ok" | "plan" | "choice">): Refusal => ({
    ok: false,
    plan: plan.id,
    choice: s.bot?.overQuota ?? s.overQuota,
    ...r,
  });
  const ok = (remaining: number | null, overage = false): Allowance => ({
    ok: true,
    plan: plan.id,
    overage,
    remaining,
  });
  switch (action.kind) {
    case "ai_answer": {
      if (action.paid && s.budgetCapMicros !== null && s.used.costMicros >= s.budgetCapMicros)
        return refuse({
          status: 402,
          code: "PAYMENT_REQUIRED",
          limit: "budget",
          max: s.budgetCapMicros,
          used: s.used.costMicros,
          detail: `the monthly AI budget cap of $${(s.budgetCapMicros / 1e6).toFixed(2)} is spent`,
        });
      const botCap = s.bot?.budgetCapMicros ?? null;
      if (action.paid && s.bot && botCap !== null && s.bot.costMicros >= botCap)
        return refuse({
          status: 402,
          code: "PAYMENT_REQUIRED",
          limit: "botBudget",
          max: botCap,
          used: s.bot.costMicros,
          detail: `this bot's monthly AI budget cap of $${(botCap / 1e6).toFixed(2)} is spent`,
        });
      const max = plan.limits.aiAnswers;
      if (max === null) return ok(null);
      if (s.used.aiAnswers < max) return ok(max - s.used.aiAnswers);
      if (meteredOverageBilled(plan, s)) return ok(null, true);
      // prepaid credit packs pay for answers past the quota, one answer a credit — on plans that
      // degrade only (creditsPayOverage): a metered plan's overage is never paid from credits
      const credits = creditsPayOverage(plan) ? (s.creditsAvailable ?? 0) - creditOverage(plan, s) : 0;
      if (credits > 0) return { ok: true, plan: plan.id, overage: true, remaining: credits, credits: true };
      return refuse({
        status: 402,
        code: "PAYMENT_REQUIRED",
        limit: "aiAnswers",
        max,
        used: s.used.aiAnswers,
        detail: `the ${plan.name} plan's ${max} AI answers this month are used up`,
      });
    }
    case "voice_minute": {
      const max = plan.limits.voiceMinutes;
      const used = Math.ceil(s.used.voiceSeconds / 60);
      if (max === null || used < max) return ok(max === null ? null : max - used);
      return refuse({
        status: 402,
        code: "PAYMENT_REQUIRED",
        limit: "voiceMinutes",
        max,
        used,
        detail: `the ${plan.name} plan's ${max} voice minutes this month are used up`,
      });
    }
    case "create_bot":
    case "add_seat": {
      const [name, max, used] =
        action.kind === "create_bot"
          ? (["bots", plan.limits.bots, s.bots ?? 0] as const)
          : (["seats", plan.limits.seats, s.seats ?? 0] as const);
      if (max === null || used < max) return ok(max === null ? null : max - used);
      return refuse({
        status: 403,
        code: "PLAN_LIMIT",
        limit: name,
        max,
        used,
        detail: `the ${plan.name} plan includes ${max} ${name}; upgrade for more`,
      });
    }
    // plan-only channels and features are locked only where they can be bought (billingLocks)
    case "channel":
      if (!billingLocks(s) || plan.channels.includes(action.channel)) return ok(null);
      return refuse({
        status: 403,
        code: "PLAN_LIMIT",
        limit: `channel:${action.channel}`,
        max: null,
        used: 0,
        detail: `the ${plan.name} plan does not include the ${action.channel} channel`,
      });
    case "feature":
      if (!billingLocks(s) || plan.features.includes(action.feature)) return ok(null);
      return refuse({
        status: 403,
        code: "PLAN_LIMIT",
        limit: `feature:${action.feature}`,
        max: null,
        used: 0,
        detail: `the ${plan.name} plan does not include ${action.feature.replace("_", " ")}`,
      });
  }
}
