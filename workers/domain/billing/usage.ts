import type { UsageEvent } from "../../storage/billing-repo";
import type { Repos } from "../../storage/repos";
import type { ConversationChannel, UsageMetric } from "../../storage/schema";
import { periodOf } from "./plans";
import { costMicrosOf, modelKey } from "./prices";

/**
 * Usage metering, exactly once: every counted thing has its own id (the AI message id, the
 * completion id, the call id) and `recordUsage` adds it to the period's counters only if that id was
 * never recorded — the check and the insert run in one D1 batch (one transaction), so a retried
 * queue message, a replayed webhook or a second flush of the same room adds nothing.
 */

export type UsageInput = {
  tenantId: string;
  /** The idempotency key: unique per tenant for the thing counted. */
  eventId: string;
  metric: UsageMetric;
  /** The bot that answered ("" when none, e.g. a voice call without a bot). */
  botId: string;
  /** Answers: 1; voice: seconds. */
  quantity: number;
  /** Provider cost in millionths of a dollar (0 for the embedded answerer). */
  costMicros?: number;
  at: number;
};

export function usageEventOf(u: UsageInput): UsageEvent {
  return { ...u, costMicros: u.costMicros ?? 0, period: periodOf(u.at) };
}

/** The statements that record one event; callers put them in a batch of their own (the room's D1 flush). */
export function usageStmts(repos: Pick<Repos, "billing">, u: UsageInput) {
  return repos.billing.recordStmts(usageEventOf(u));
}

/** Records one event in its own batch (the /v1 and draft paths). */
export async function recordUsage(ctx: { repos: Repos }, u: UsageInput) {
  const [bump, insert] = usageStmts(ctx.repos, u);
  await ctx.repos.batch([bump, insert]);
}

/** One paid (or embedded) model call as a provider reports it: which model and how many tokens. */
export type ModelUsage = {
  tenantId: string;
  /** The idempotency key of the call (its completion id, the AI message id); recorded once. */
  eventId: string;
  botId: string;
  /** The adapter's model name (`openai:gpt-4o-mini`, `anthropic:claude-haiku-4-5`, `offline`). */
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** The channel the answer went to (the analytics reports' AI spend by channel). */
  channel: ConversationChannel;
  at: number;
};

/** The statements that record a model call (cost from the price table); for callers with a batch of their own. */
export function modelUsageStmts(repos: Pick<Repos, "billing">, u: ModelUsage) {
  const inputTokens = Math.max(0, Math.round(u.inputTokens));
  const outputTokens = Math.max(0, Math.round(u.outputTokens));
  const costMicros = costMicrosOf(u.model, inputTokens, outputTokens);
  return repos.billing.recordModelStmts({
    tenantId: u.tenantId,
    // the answer itself is counted under its own id (metric ai_answers); its tokens under this one
    eventId: `tokens:${u.eventId}`,
    metric: "ai_tokens",
    botId: u.botId,
    period: periodOf(u.at),
    quantity: inputTokens + outputTokens,
    costMicros,
    at: u.at,
    model: modelKey(u.model),
    inputTokens,
    outputTokens,
    channel: u.channel,
  });
}

/**
 * THE place every provider's token usage goes: `{ model, inputTokens, outputTokens }` of one call,
 * priced from domain/billing/prices.ts and added to the period's cost per bot and per model once
 * per event id (a replay adds nothing), and to the analytics rollups (AI spend per bot, model and
 * channel over any range). The budget caps read these costs before the next paid call.
 * Returns the cost in micro-dollars.
 */
export async function recordModelUsage(ctx: { repos: Repos }, u: ModelUsage): Promise<number> {
  const stmts = modelUsageStmts(ctx.repos, u);
  await ctx.repos.batch([...stmts]);
  return costMicrosOf(u.model, Math.max(0, Math.round(u.inputTokens)), Math.max(0, Math.round(u.outputTokens)));
}
