import type { Ctx } from "../ctx";
import { NotFound } from "../../lib/errors";
import { retrieve } from "./retrieve";

/**
 * Ranked sources for a query, as the answerer would see them: the dashboard's "what would the bot
 * find" view and the retrieval eval use it. One hit per source, best chunk's snippet.
 */
export async function searchKnowledge(ctx: Ctx, input: { query: string; botId?: string; limit: number }) {
  if (input.botId && !(await ctx.repos.bots.get(ctx.tenantId, input.botId))) throw new NotFound("bot", input.botId);
  const r = await retrieve(ctx, {
    question: input.query,
    botId: input.botId,
    limit: input.limit,
  });
  return {
    data: r.sources.map((s) => ({
      sourceId: s.sourceId,
      externalId: s.externalId,
      title: s.title,
      url: s.url,
      chunkId: s.best.chunkId,
      heading: s.best.heading,
      snippet: s.best.text.replace(/\s+/g, " ").slice(0, 300),
      score: Math.round(s.score * 1e4) / 1e4,
      coverage: Math.round(s.best.coverage * 1e4) / 1e4,
    })),
    confidence: Math.round(r.confidence * 1e4) / 1e4,
    features: r.features,
    ms: r.ms,
  };
}
