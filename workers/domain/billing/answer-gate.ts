import type { ConversationChannel } from "../../storage/schema";
import { streamAnswer, streamEmbeddedAnswer } from "../knowledge/answer";
import type { AnswerCtx, StreamAnswer } from "../knowledge/answer-types";
import { mayTenant, paidAnswer, refusalError } from "./may-tenant";
import { afterUsage } from "./notices";
import { modelUsageStmts, usageStmts } from "./usage";

/**
 * The answer paths outside the room (/v1, the integrations' custom-LLM URLs, operator drafts) ask
 * billing before answering and count the answer after it. Over quota (or over the tenant's or the
 * bot's AI budget cap) the choice applies as far as an HTTP answer can: `embedded` answers with the
 * embedded answerer, `handoff` (no conversation to hand over here) is a 402 naming the plan and the limit.
 */
export async function gatedAnswerer(
  ctx: AnswerCtx,
  fallback: StreamAnswer = streamAnswer,
  botId?: string,
): Promise<StreamAnswer> {
  const allowance = await mayTenant(ctx, {
    kind: "ai_answer",
    paid: await paidAnswer(ctx, botId),
    ...(botId !== undefined ? { botId } : {}),
  });
  if (allowance.ok) return fallback;
  if (allowance.choice === "embedded") return streamEmbeddedAnswer;
  throw refusalError(allowance);
}

/**
 * Counts one AI answer by its own id (a completion id, a draft id): once, however often it is
 * recorded; with the tokens the provider reported (priced per model) in the same batch; then the
 * quota notices and credit spend (best effort: the answer is already given).
 */
export async function countAnswer(
  ctx: AnswerCtx,
  eventId: string,
  botId: string,
  channel: ConversationChannel,
  usage?: { inputTokens: number; outputTokens: number; model?: string },
) {
  const at = ctx.clock.now();
  const base = { tenantId: ctx.tenantId, eventId, botId, at };
  await ctx.repos.batch([
    ...usageStmts(ctx.repos, { ...base, metric: "ai_answers", quantity: 1 }),
    ...(usage ? modelUsageStmts(ctx.repos, { ...base, ...usage, channel, model: usage.model ?? "unknown" }) : []),
  ] as never);
  await afterUsage(ctx).catch((err: unknown) =>
    ctx.log.warn("billing: after-usage step failed", { tenantId: ctx.tenantId, error: String(err) }),
  );
}
