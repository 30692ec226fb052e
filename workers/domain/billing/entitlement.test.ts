import { describe, expect, it } from "vitest";
import { decideEntitlement, effectivePlan, type Action, type BillingSnapshot } from "./entitlement";

/** "May this tenant do X now?" as table tests over snapshots: pure, no storage. */

const NOW = Date.UTC(2026, 11, 15);
const snap = (s: Partial<BillingSnapshot> = {}): BillingSnapshot => ({
  plan: "free",
  status: "none",
  periodEnd: null,
  billingOn: false,
  overQuota: "handoff",
  budgetCapMicros: null,
  used: { aiAnswers: 0, voiceSeconds: 0, costMicros: 0 },
  ...s,
});
const used = (aiAnswers: number, more: Partial<BillingSnapshot["used"]> = {}) => ({
  used: { aiAnswers, voiceSeconds: 0, costMicros: 0, ...more },
});

type Row = [name: string, s: BillingSnapshot, a: Action, expected: Record<string, unknown>];
const rows: Row[] = [
  [
    "a bot's own cap: a paid answer is refused 402 once the bot spent it, with the bot's choice",
    snap({ bot: { overQuota: "embedded", budgetCapMicros: 1_000_000, costMicros: 1_000_000 } }),
    { kind: "ai_answer", paid: true, botId: "bot_1" },
    { ok: false, status: 402, limit: "botBudget", max: 1_000_000, used: 1_000_000, choice: "embedded" },
  ],
  [
    "a bot under its cap answers; the embedded answerer (unpaid) is never capped",
    snap({ bot: { overQuota: null, budgetCapMicros: 1_000_000, costMicros: 999_999 } }),
    { kind: "ai_answer", paid: true, botId: "bot_1" },
    { ok: true },
  ],
  [
    "an unpaid answer ignores a spent bot cap",
    snap({ bot: { overQuota: null, budgetCapMicros: 1, costMicros: 5 } }),
    { kind: "ai_answer", paid: false, botId: "bot_1" },
    { ok: true },
  ],
  [
    "the tenant's cap bites before the bot's, with the bot's choice when it has one",
    snap({
      budgetCapMicros: 10,
      ...used(0, { costMicros: 10 }),
      bot: { overQuota: "embedded", budgetCapMicros: null, costMicros: 0 },
    }),
    { kind: "ai_answer", paid: true, botId: "bot_1" },
    { ok: false, limit: "budget", choice: "embedded" },
  ],
  [
    "over quota with credit packs: answered from credits while they last",
    snap({ ...used(100), creditsAvailable: 2 }),
    { kind: "ai_answer" },
    { ok: true, overage: true, credits: true, remaining: 2 },
  ],
  [
    "credits spent: the 103rd answer on Free with 2 credits degrades",
    snap({ ...used(102), creditsAvailable: 2 }),
    { kind: "ai_answer" },
    { ok: false, limit: "aiAnswers" },
  ],
  ["free, 99 used: the 100th answer is allowed", snap(used(99)), { kind: "ai_answer" }, { ok: true, remaining: 1 }],
  [
    "free, 100 used: the 101st is refused 402 naming plan and limit",
    snap(used(100)),
    { kind: "ai_answer" },
    { ok: false, status: 402, plan: "free", limit: "aiAnswers", max: 100, choice: "handoff" },
  ],
  [
    "the refusal carries the tenant's choice",
    snap({ ...used(100), overQuota: "embedded" }),
    { kind: "ai_answer" },
    { ok: false, choice: "embedded" },
  ],
  [
    "pro with Stripe and an active subscription: overage is metered",
    snap({ plan: "pro", status: "active", billingOn: true, ...used(5000) }),
    { kind: "ai_answer" },
    { ok: true, overage: true },
  ],
  [
    "pro without Stripe (embedded): past 5,000 degrades",
    snap({ plan: "pro", status: "active", ...used(5000) }),
    { kind: "ai_answer" },
    { ok: false, plan: "pro", max: 5000 },
  ],
  [
    "pro past due: no metered overage while a payment fails",
    snap({ plan: "pro", status: "past_due", billingOn: true, ...used(5000) }),
    { kind: "ai_answer" },
    { ok: false, plan: "pro" },
  ],
  [
    "enterprise: unlimited",
    snap({ plan: "enterprise", status: "active", ...used(1e6) }),
    { kind: "ai_answer" },
    { ok: true, remaining: null },
  ],
  [
    "budget cap spent: a paid answer is refused",
    snap({ plan: "enterprise", status: "active", budgetCapMicros: 1_000_000, ...used(5, { costMicros: 1_000_000 }) }),
    { kind: "ai_answer", paid: true },
    { ok: false, status: 402, limit: "budget" },
  ],
  [
    "budget cap spent: an embedded (free) answer still goes",
    snap({ plan: "enterprise", status: "active", budgetCapMicros: 1_000_000, ...used(5, { costMicros: 1_000_000 }) }),
    { kind: "ai_answer" },
    { ok: true },
  ],
  [
    "free: a fourth bot is refused 403",
    snap({ bots: 3 }),
    { kind: "create_bot" },
    { ok: false, status: 403, code: "PLAN_LIMIT", limit: "bots", max: 3 },
  ],
  [
    "free with billing on: WhatsApp is not in the plan",
    snap({ billingOn: true }),
    { kind: "channel", channel: "whatsapp" },
    { ok: false, status: 403, code: "PLAN_LIMIT", plan: "free", limit: "channel:whatsapp" },
  ],
  [
    "free with billing on: SSO is not in the plan",
    snap({ billingOn: true }),
    { kind: "feature", feature: "sso" },
    { ok: false, status: 403, code: "PLAN_LIMIT", plan: "free", limit: "feature:sso" },
  ],
  [
    "pro with billing on: WhatsApp is in the plan",
    snap({ plan: "pro", status: "active", billingOn: true }),
    { kind: "channel", channel: "whatsapp" },
    { ok: true },
  ],
  [
    "pro with billing on: SSO is not (Enterprise)",
    snap({ plan: "pro", status: "active", billingOn: true }),
    { kind: "feature", feature: "sso" },
    { ok: false, status: 403, plan: "pro", limit: "feature:sso" },
  ],
  [
    "a cancelled pro past its period end is free again: WhatsApp refused",
    snap({ plan: "pro", status: "canceled", periodEnd: NOW - 1, billingOn: true }),
    { kind: "channel", channel: "whatsapp" },
    { ok: false, plan: "free", limit: "channel:whatsapp" },
  ],
  [
    "billing off (no Stripe key): nothing can be bought, so plan-only channels are not locked",
    snap(),
    { kind: "channel", channel: "whatsapp" },
    { ok: true, plan: "free" },
  ],
  ["billing off: nor plan-only features", snap(), { kind: "feature", feature: "sso" }, { ok: true }],
  [
    "billing off: quotas still apply (the 101st answer on Free degrades)",
    snap(used(100)),
    { kind: "ai_answer" },
    { ok: false, status: 402, limit: "aiAnswers", max: 100 },
  ],
  [
    "enterprise: SSO is",
    snap({ plan: "enterprise", status: "active", billingOn: true }),
    { kind: "feature", feature: "sso" },
    { ok: true },
  ],
  [
    "pro past due with credits: overage is not billed and credits do not pay on a metered plan (degrades)",
    snap({ plan: "pro", status: "past_due", billingOn: true, ...used(5000), creditsAvailable: 50 }),
    { kind: "ai_answer" },
    { ok: false, plan: "pro", limit: "aiAnswers", max: 5000 },
  ],
  [
    "pro active with credits: the 5,001st answer is metered overage, never a credit",
    snap({ plan: "pro", status: "active", billingOn: true, ...used(5000), creditsAvailable: 50 }),
    { kind: "ai_answer" },
    { ok: true, overage: true, remaining: null },
  ],
  [
    "free: 29 min 59 s of calls leave the 30th minute",
    snap(used(0, { voiceSeconds: 29 * 60 - 1 })),
    { kind: "voice_minute" },
    { ok: true, remaining: 1 },
  ],
  [
    "free: 29 min 1 s counts as 30 minutes (rounded up): the next call is refused 402",
    snap(used(0, { voiceSeconds: 29 * 60 + 1 })),
    { kind: "voice_minute" },
    { ok: false, status: 402, plan: "free", limit: "voiceMinutes", max: 30, used: 30 },
  ],
  [
    "pro: voice minutes used up",
    snap({ plan: "pro", status: "active", ...used(0, { voiceSeconds: 500 * 60 }) }),
    { kind: "voice_minute" },
    { ok: false, limit: "voiceMinutes", max: 500 },
  ],
];

describe("decideEntitlement", () => {
  for (const [name, s, a, expected] of rows)
    it(name, () => expect(decideEntitlement(s, a, NOW)).toMatchObject(expected));
});

describe("effectivePlan", () => {
  it("keeps a cancelled plan until its period ends, then falls back to Free; an unknown status is Free", () => {
    expect(effectivePlan({ plan: "pro", status: "canceled", periodEnd: NOW + 1 }, NOW).id).toBe("pro");
    expect(effectivePlan({ plan: "pro", status: "canceled", periodEnd: NOW }, NOW).id).toBe("free");
    expect(effectivePlan({ plan: "pro", status: "unpaid", periodEnd: NOW + 1 }, NOW).id).toBe("free");
    expect(effectivePlan({ plan: "pro", status: "incomplete", periodEnd: null }, NOW).id).toBe("free");
    expect(effectivePlan({ plan: "enterprise", status: "none", periodEnd: null }, NOW).id).toBe("enterprise");
  });
});
