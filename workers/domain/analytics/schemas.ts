import { z } from "@hono/zod-openapi";
import { CONVERSATION_CHANNELS } from "../../storage/schema";
import { daysBetween, isTimeZone } from "./range";

/** The longest report range: a year and a day (a leap year's full year). */
export const MAX_RANGE_DAYS = 367;
/** Default range when `from` is absent: the 30 days ending with `to`. */
export const DEFAULT_RANGE_DAYS = 30;

const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD")
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      message: "not a calendar date",
    },
  );

const Filters = {
  from: LocalDate.optional().openapi({ description: "First local day of the range (YYYY-MM-DD, inclusive)" }),
  to: LocalDate.optional().openapi({
    description: "Last local day of the range (YYYY-MM-DD, inclusive); default today",
  }),
  tz: z
    .string()
    .max(64)
    .refine(isTimeZone, { message: "an IANA time zone such as Europe/Berlin" })
    .default("UTC")
    .openapi({ description: "Time zone the days are counted in (IANA name)" }),
  botId: z
    .string()
    .regex(/^bot_[A-Za-z0-9]{1,60}$/, "a bot id (bot_…)")
    .optional(),
  channel: z.enum(CONVERSATION_CHANNELS).optional(),
  format: z
    .enum(["json", "csv"])
    .optional()
    .openapi({ description: "csv: the report as text/csv (or send Accept: text/csv)" }),
};

const checkRange = (q: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx) => {
  if (q.from && q.to && daysBetween(q.from, q.to) < 0)
    ctx.addIssue({ code: "custom", path: ["from"], message: "from is after to" });
  if (q.from && q.to && daysBetween(q.from, q.to) >= MAX_RANGE_DAYS)
    ctx.addIssue({ code: "custom", path: ["from"], message: `a range is at most ${MAX_RANGE_DAYS} days` });
};

export const AnalyticsQuery = z.object(Filters).strict().superRefine(checkRange);
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;

export const TIMESERIES_METRICS = [
  "conversations",
  "ai_involved",
  "handoffs",
  "ai_answers",
  "agent_replies",
  "resolutions",
  "ratings",
  "csat",
  "first_response_p50",
  "calls",
  "call_minutes",
  "ai_spend",
] as const;

export const TimeseriesQuery = z
  .object({
    ...Filters,
    metric: z.enum(TIMESERIES_METRICS),
    interval: z.enum(["day", "week"]).default("day"),
  })
  .strict()
  .superRefine(checkRange);
export type TimeseriesQuery = z.infer<typeof TimeseriesQuery>;

const Dist = z.object({ p50: z.number().nullable(), p90: z.number().nullable(), count: z.number() });

const Spend = z.object({
  calls: z
    .number()
    .openapi({ description: "Model calls billed by a provider (the embedded answerer is free and not counted)" }),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number().openapi({ description: "Cost from the price table (domain/billing/prices.ts), US dollars" }),
});
const AiSpend = Spend.extend({
  byModel: z.record(z.string(), Spend),
  byBot: z.record(z.string(), Spend),
}).openapi({
  description:
    "AI spend of the range, from the billing meter's own statements (a model call counts once, in the quarter hour it was made)",
});

export const SummaryDto = z
  .object({
    range: z.object({ from: z.string(), to: z.string(), tz: z.string() }),
    conversations: z.number(),
    aiInvolved: z.number(),
    aiInvolvementRate: z.number().nullable(),
    aiResolution: z.object({
      confirmed: z.number(),
      assumed: z.number(),
      pending: z.number(),
      rate: z.number().nullable(),
    }),
    automationRate: z.number().nullable(),
    handoffs: z.object({
      total: z.number(),
      conversations: z.number(),
      rate: z.number().nullable(),
      byReason: z.record(z.string(), z.number()),
    }),
    timeToHumanMs: Dist,
    firstResponseMs: Dist,
    replyTimeMs: Dist,
    resolutionTimeMs: Dist,
    businessHours: z
      .object({
        timezone: z.string(),
        timeToHumanMs: Dist,
        firstResponseMs: Dist,
        replyTimeMs: Dist,
        resolutionTimeMs: Dist,
        sampled: z.boolean().openapi({
          description:
            "True when a duration kind had more events in the range than are read one by one (1,000): its twin is then the percentile of a systematic sample of about 1,000 of them (every k-th stored event)",
        }),
      })
      .nullable()
      .openapi({
        description:
          "Business-hours twins of the durations (time outside the tenant's opening hours and holidays not counted); null until the tenant sets business hours (PUT /api/settings/business-hours)",
      }),
    resolutions: z.object({ total: z.number(), byAgent: z.number(), bySystem: z.number() }),
    csat: z.object({ score: z.number().nullable(), ratings: z.number(), responseRate: z.number().nullable() }),
    messages: z.object({ ai: z.number(), agent: z.number(), aiShare: z.number().nullable() }),
    volume: z.object({
      byChannel: z.record(z.string(), z.number()),
      byBot: z.record(z.string(), z.number()),
      byAgent: z.record(z.string(), z.number()),
      byCategory: z.record(z.string(), z.number()),
      byHourOfWeek: z.array(z.number()),
    }),
    bots: z.array(
      z.object({
        botId: z.string(),
        conversations: z.number(),
        aiInvolved: z.number(),
        aiResolved: z.number(),
        handoffs: z.number(),
        csat: z.number().nullable(),
        aiSpendUsd: z.number().openapi({ description: "The bot's model cost in the range, US dollars" }),
      }),
    ),
    aiSpend: AiSpend,
    voice: z.object({
      calls: z.number(),
      ended: z.number(),
      minutes: z.number(),
      durationMs: Dist,
      cost: z.record(z.string(), z.number()),
      byOutcome: z.record(z.string(), z.number()),
    }),
  })
  .openapi("AnalyticsSummary");
export type SummaryDto = z.infer<typeof SummaryDto>;

export const TimeseriesDto = z
  .object({
    metric: z.enum(TIMESERIES_METRICS),
    interval: z.enum(["day", "week"]),
    tz: z.string(),
    points: z.array(z.object({ start: z.string(), value: z.number().nullable() })),
  })
  .openapi("AnalyticsTimeseries");
export type TimeseriesDto = z.infer<typeof TimeseriesDto>;

const Group = z.object({ label: z.string(), count: z.number(), examples: z.array(z.string()) });
export const QuestionsDto = z
  .object({
    topics: z.array(
      Group.extend({
        source: z.enum(["category", "cluster"]),
        categoryId: z.string().nullable(),
        previous: z.number().openapi({ description: "The count in the period of the same length just before" }),
      }),
    ),
    gaps: z.array(
      Group.extend({
        reasons: z.record(z.string(), z.number()),
        conversationIds: z.array(z.string()),
        action: z.object({ type: z.literal("add_qa_source"), question: z.string() }),
      }),
    ),
    sampled: z.boolean().openapi({
      description:
        "True when the range held more questions than the report groups (the latest 1,000 first questions of each period and the latest 1,000 misses): cluster and gap counts are then counts within that sample; category counts are always exact",
    }),
  })
  .openapi("AnalyticsQuestions");
export type QuestionsDto = z.infer<typeof QuestionsDto>;
