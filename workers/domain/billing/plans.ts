/**
 * The plan catalogue: the one place plans, prices and entitlements are written down (README
 * "Billing and plans"). A deployment edits this file; Stripe price ids come from the catalogue too,
 * so the code that reads a subscription maps a price back to a plan here (`planOfPrice`).
 *
 * `null` means unlimited. Counts are per calendar month (UTC) for AI answers and voice minutes; a
 * month's voice minutes are its calls' seconds added up and rounded up to the minute.
 */

export const PLAN_IDS = ["free", "pro", "enterprise"] as const;
export type PlanId = (typeof PLAN_IDS)[number];
export type Channel = "chat" | "voice" | "email" | "whatsapp";
export type Feature = "api_access" | "sso" | "white_label" | "analytics_history";

/**
 * What happens past the monthly AI answers:
 * - `degrade`: the bot's over-quota choice applies (hand to a person, or the embedded answerer);
 * - `metered`: answers continue and each one past the quota is reported to Stripe Billing Meters
 *   at `unitPriceMicros` — only while a paid subscription is active; otherwise it degrades too.
 */
export type OverageRule = { kind: "degrade" } | { kind: "metered"; unitPriceMicros: number; meterEvent: string };

export type Plan = {
  id: PlanId;
  name: string;
  /** Monthly price in US cents. */
  priceCents: number;
  /** The Stripe Price a Checkout subscription uses (null: not sold through Checkout). */
  stripePriceId: string | null;
  limits: {
    aiAnswers: number | null;
    seats: number | null;
    bots: number | null;
    voiceMinutes: number | null;
  };
  channels: readonly Channel[];
  features: readonly Feature[];
  /** Days of analytics kept for the dashboard. */
  analyticsDays: number;
  /** Days the audit log keeps an entry; the hourly sweep deletes older ones (domain/audit/retention.ts). */
  auditDays: number;
  overage: OverageRule;
};

export const PLANS: Record<PlanId, Plan> = {
  free: {
    id: "free",
    name: "Free",
    priceCents: 0,
    stripePriceId: null,
    // 30 voice minutes to try a phone line; past them new calls go to a person (domain/voice/call-gate.ts)
    limits: { aiAnswers: 100, seats: 5, bots: 3, voiceMinutes: 30 },
    channels: ["chat", "email", "voice"],
    // /v1 stays open on Free: voice platforms reach the bot through it (the voice minutes limit gates calls)
    features: ["api_access"],
    analyticsDays: 7,
    auditDays: 90,
    overage: { kind: "degrade" },
  },
  pro: {
    id: "pro",
    name: "Pro",
    priceCents: 4900,
    stripePriceId: "price_echo_pro_monthly",
    limits: { aiAnswers: 5000, seats: 10, bots: 10, voiceMinutes: 500 },
    channels: ["chat", "email", "voice", "whatsapp"],
    features: ["api_access", "analytics_history"],
    analyticsDays: 90,
    auditDays: 365,
    overage: { kind: "metered", unitPriceMicros: 20_000, meterEvent: "echo_ai_answers" },
  },
  enterprise: {
    id: "enterprise",
    name: "Enterprise",
    priceCents: 19900,
    stripePriceId: "price_echo_enterprise_monthly",
    limits: { aiAnswers: null, seats: null, bots: null, voiceMinutes: null },
    channels: ["chat", "email", "voice", "whatsapp"],
    features: ["api_access", "analytics_history", "sso", "white_label"],
    analyticsDays: 730,
    // seven years: the span auditors commonly ask for
    auditDays: 2555,
    overage: { kind: "degrade" },
  },
};

/** Every tenant without a live subscription is on this plan. */
export const DEFAULT_PLAN: PlanId = "free";

export const isPlanId = (x: string): x is PlanId => (PLAN_IDS as readonly string[]).includes(x);
export const planOf = (id: string): Plan => PLANS[isPlanId(id) ? id : DEFAULT_PLAN];

/** The plan a Stripe Price id sells, if any. */
export function planOfPrice(priceId: string | undefined | null): Plan | undefined {
  return priceId ? Object.values(PLANS).find((p) => p.stripePriceId === priceId) : undefined;
}

/** The usage period of a time: the calendar month in UTC, `YYYY-MM`. */
export const periodOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

/** First and last instant of the period (ms). */
export function periodBounds(period: string): { start: number; end: number } {
  const [y, m] = period.split("-").map(Number) as [number, number];
  return { start: Date.UTC(y, m - 1, 1), end: Date.UTC(y, m, 1) - 1 };
}

/**
 * Prepaid credit packs (seed 001's credit billing): one-off Checkout payments that add AI answers
 * to the workspace's balance; they pay for answers past the plan's monthly quota (one answer a
 * credit) when the plan would otherwise degrade, and do not expire.
 */
export const CREDIT_PACK_IDS = ["answers_1000", "answers_5000"] as const;
export type CreditPackId = (typeof CREDIT_PACK_IDS)[number];
export type CreditPack = { id: CreditPackId; name: string; answers: number; priceCents: number; stripePriceId: string };
export const CREDIT_PACKS: Record<CreditPackId, CreditPack> = {
  answers_1000: {
    id: "answers_1000",
    name: "1,000 AI answers",
    answers: 1000,
    priceCents: 1500,
    stripePriceId: "price_echo_credits_1000",
  },
  answers_5000: {
    id: "answers_5000",
    name: "5,000 AI answers",
    answers: 5000,
    priceCents: 6000,
    stripePriceId: "price_echo_credits_5000",
  },
};
export const isCreditPackId = (x: string): x is CreditPackId => (CREDIT_PACK_IDS as readonly string[]).includes(x);
