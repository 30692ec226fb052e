import type { UsageEvent } from "../../storage/billing-repo";
import type { Repos } from "../../storage/repos";
import type { UsageMetric } from "../../storage/schema";
import { periodOf } from "./plans";

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

/**
 * The token events of one answer (the provider's reported usage), beside its `ai_answers` event:
 * ids `<answer id>:in` / `:out`, so they are counted once like the answer. None without usage.
 */
export function tokenUsage(
  u: Omit<UsageInput, "metric" | "quantity" | "eventId"> & { eventId: string },
  usage: { inputTokens: number; outputTokens: number } | undefined,
): UsageInput[] {
  if (!usage) return [];
  const out: UsageInput[] = [];
  if (usage.inputTokens > 0)
    out.push({ ...u, eventId: `${u.eventId}:in`, metric: "ai_input_tokens", quantity: Math.round(usage.inputTokens) });
  if (usage.outputTokens > 0)
    out.push({
      ...u,
      eventId: `${u.eventId}:out`,
      metric: "ai_output_tokens",
      quantity: Math.round(usage.outputTokens),
    });
  return out;
}
