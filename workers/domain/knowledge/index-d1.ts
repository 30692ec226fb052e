import type { KnowledgeIndexPort } from "../../contracts/knowledge-index";
import type { Repos } from "../../storage/repos";
import { ftsTermsOf } from "./retrieve";
import { termStatsOf } from "./term-stats";

/**
 * The retrieval index over D1's shared `knowledge_fts` (`RETRIEVAL_INDEX=d1`): word counts (remembered
 * per tenant and knowledge version in the isolate, term-stats.ts), then the FTS query for the
 * selective words — one or two D1 round trips per question. The default is the per-tenant object
 * (rooms/knowledge-index.ts); this one needs no Durable Object and serves as the reference in tests.
 */
export function d1KnowledgeIndex(repos: Repos): KnowledgeIndexPort {
  return {
    async search(tenantId, q) {
      const stats = await termStatsOf({ tenantId, repos }, q.groups, q.knowledgeVersion);
      const picked = ftsTermsOf(stats.df.slice(0, q.terms.length), stats.total);
      const hits = await repos.search.fts(tenantId, {
        tokens: picked.flatMap((i) => q.terms[i] ?? []),
        botId: q.botId,
        limit: q.limit,
        weights: q.weights,
      });
      return { total: stats.total, df: stats.df, version: stats.version, hits };
    },
    refresh: async () => undefined,
    erase: async () => ({ chunks: 0 }),
  };
}
