/**
 * The plan catalogue: the one place plans, prices and entitlements are written down (README
 * "Billing and plans"). A deployment edits this file; Stripe price ids come from the catalogue too,
 * so the code that reads a subscription maps a price back to a plan here (`planOfPrice`).
 *
 * `null` means unlimited. Counts are per calendar month (UTC) for AI answers and voice minutes.
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
  overage: OverageRule;
};

export const PLANS: Record<PlanId, Plan> = {
  free: {
    id: "free",
    name: "Free",
    priceCents: 0,
    stripePriceId: null,
    limits: { aiAnswers: 100, seats: 5, bots: 3, voiceMinutes: 0 },
    channels: ["chat", "email"],
    // /v1 stays open on Free: voice platforms reach the bot through it (the voice minutes limit gates calls)
    features: ["api_access"],
    analyticsDays: 7,
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
