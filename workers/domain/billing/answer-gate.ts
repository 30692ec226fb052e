import { streamAnswer, streamEmbeddedAnswer } from "../knowledge/answer";
import type { AnswerCtx, StreamAnswer } from "../knowledge/answer-types";
import { mayTenant, refusalError } from "./may-tenant";
import { tokenUsage, usageStmts } from "./usage";

/**
 * The answer paths outside the room (/v1, the integrations' custom-LLM URLs, operator drafts) ask
 * billing before answering and count the answer after it. Over quota the tenant's choice applies as
 * far as an HTTP answer can: `embedded` answers with the embedded answerer, `handoff` (no
 * conversation to hand over here) is a 402 naming the plan and the limit.
 */
export async function gatedAnswerer(ctx: AnswerCtx, fallback: StreamAnswer = streamAnswer): Promise<StreamAnswer> {
  const allowance = await mayTenant(ctx, { kind: "ai_answer", paid: ctx.config.answerProvider !== "offline" });
  if (allowance.ok) return fallback;
  if (allowance.choice === "embedded") return streamEmbeddedAnswer;
  throw refusalError(allowance);
}

/**
 * Counts one AI answer by its own id (a completion id, a draft id): once, however often it is
 * recorded; with the provider's reported tokens beside it, in the same batch.
 */
export async function countAnswer(
  ctx: AnswerCtx,
  eventId: string,
  botId: string,
  usage?: { inputTokens: number; outputTokens: number },
) {
  const base = { tenantId: ctx.tenantId, eventId, botId, at: ctx.clock.now() };
  const events = [{ ...base, metric: "ai_answers" as const, quantity: 1 }, ...tokenUsage(base, usage)];
  await ctx.repos.batch(events.flatMap((u) => usageStmts(ctx.repos, u)) as never);
}
