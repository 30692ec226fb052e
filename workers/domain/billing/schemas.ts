import { z } from "@hono/zod-openapi";
import { CREDIT_PACK_IDS, PLAN_IDS } from "./plans";

/** A metered quantity this period; `limit` null when unlimited. */
const Meter = z.object({ used: z.number(), limit: z.number().nullable() });

export const BillingDto = z
  .object({
    plan: z.enum(PLAN_IDS),
    planName: z.string(),
    status: z.string(),
    /** The subscribed plan while a cancelled subscription runs to its end (null otherwise). */
    periodEnd: z.string().nullable(),
    cancelAtPeriodEnd: z.boolean(),
    /** AI answers (or the AI budget) of this period are used up. */
    overQuota: z.boolean(),
    /** What bots do over quota: hand new questions to a person, or answer with the embedded answerer. */
    overQuotaChoice: z.enum(["handoff", "embedded"]),
    budgetCapMicros: z.number().nullable(),
    /** `stripe` when payments are configured; `embedded` otherwise (quotas still apply). */
    mode: z.enum(["stripe", "embedded"]),
    /** `past_due`: a payment failed and Stripe is retrying (show the dunning banner). */
    paymentIssue: z.boolean(),
    period: z.object({ id: z.string(), start: z.string(), end: z.string() }),
    usage: z.object({
      aiAnswers: Meter,
      voiceMinutes: Meter,
      channelMessages: Meter,
      bots: Meter,
      seats: Meter,
      costMicros: z.number(),
    }),
    /** Prepaid credit packs: AI answers bought, spent on overage, left. */
    credits: z.object({ granted: z.number(), spent: z.number(), available: z.number() }),
    /** Per bot: its own over-quota choice and budget cap (null: the tenant's), and this period's AI cost. */
    bots: z.array(
      z.object({
        botId: z.string(),
        name: z.string(),
        overQuotaChoice: z.enum(["handoff", "embedded"]).nullable(),
        budgetCapMicros: z.number().nullable(),
        costMicros: z.number(),
      }),
    ),
    creditPacks: z.array(
      z.object({ id: z.enum(CREDIT_PACK_IDS), name: z.string(), answers: z.number(), priceCents: z.number() }),
    ),
    plans: z.array(
      z.object({
        id: z.enum(PLAN_IDS),
        name: z.string(),
        priceCents: z.number(),
        aiAnswers: z.number().nullable(),
        purchasable: z.boolean(),
        /** What the plan includes (refused with 403 on a plan without it while Stripe is configured). */
        channels: z.array(z.string()),
        features: z.array(z.string()),
      }),
    ),
    /** Plan-only channels and features are refused only while Stripe is configured (`mode` "stripe"). */
    planLocks: z.boolean(),
  })
  .openapi("Billing");

/**
 * A period's counters: AI answers, voice (seconds, and minutes as the plan counts them: the seconds
 * added up and rounded up), channel messages (email and WhatsApp, inbound and outbound) and AI cost.
 */
const UsageTotals = z.object({
  aiAnswers: z.number(),
  voiceSeconds: z.number(),
  voiceMinutes: z.number(),
  channelMessages: z.number(),
  emailMessages: z.number(),
  whatsappMessages: z.number(),
  costMicros: z.number(),
});

export const UsageDto = z
  .object({
    period: z.string(),
    start: z.string(),
    end: z.string(),
    totals: UsageTotals,
    byBot: z.array(UsageTotals.extend({ botId: z.string() })),
    /** Model calls per bot and model: tokens and cost (micro-dollars) from the price table. */
    byModel: z.array(
      z.object({
        botId: z.string(),
        model: z.string(),
        calls: z.number(),
        inputTokens: z.number(),
        outputTokens: z.number(),
        costMicros: z.number(),
      }),
    ),
  })
  .openapi("BillingUsage");

export const UsageQuery = z.object({
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "a month as YYYY-MM")
    .optional(),
});

/** Budget caps are whole cents up to $1,000,000 a month. */
export const MAX_BUDGET_MICROS = 1_000_000 * 1_000_000;

export const BillingSettingsInput = z
  .object({
    overQuotaChoice: z.enum(["handoff", "embedded"]).optional(),
    budgetCapMicros: z.number().int().min(0).max(MAX_BUDGET_MICROS).nullable().optional(),
  })
  .strict()
  .refine((x) => x.overQuotaChoice !== undefined || x.budgetCapMicros !== undefined, "nothing to change");

export const BotRef = z.object({ botId: z.string().min(1).max(64) });

/** A bot's own over-quota choice and monthly AI budget cap; null falls back to the tenant's. */
export const BotBillingInput = z
  .object({
    overQuotaChoice: z.enum(["handoff", "embedded"]).nullable().optional(),
    budgetCapMicros: z.number().int().min(0).max(MAX_BUDGET_MICROS).nullable().optional(),
  })
  .strict()
  .refine((x) => x.overQuotaChoice !== undefined || x.budgetCapMicros !== undefined, "nothing to change");

export const CheckoutInput = z.object({ plan: z.enum(PLAN_IDS) }).strict();
export const UrlDto = z.object({ url: z.string() }).openapi("RedirectUrl");

export const CreditCheckoutInput = z.object({ pack: z.enum(CREDIT_PACK_IDS) }).strict();

export const InvoicesDto = z
  .object({
    data: z.array(
      z.object({
        id: z.string(),
        number: z.string().nullable(),
        status: z.string().nullable(),
        total: z.number(),
        amountPaid: z.number(),
        currency: z.string(),
        created: z.string(),
        hostedUrl: z.string().nullable(),
        pdfUrl: z.string().nullable(),
      }),
    ),
  })
  .openapi("BillingInvoices");
