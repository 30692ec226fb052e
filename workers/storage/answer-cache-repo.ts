import { and, eq } from "drizzle-orm";
import type { Db } from "./db";
import { answerCache, bots, knowledgeVersions, type BotRow } from "./schema";

/**
 * The answer cache (migrations/0018_speed.sql, domain/knowledge/answer-cache.ts). One read answers
 * both "what is the tenant's knowledge version now?" and "is there an entry for this key?", so a
 * miss costs no extra round trip over a hit. Entries are per tenant and bot by primary key.
 */
export type AnswerCacheEntry = {
  knowledgeVersion: number;
  botVersion: number;
  model: string;
  answer: string;
  /** AnswerSource[] as JSON. */
  sources: string;
  confidence: number;
  /** When the entry was stored (ms); the domain serves it only within the TTL. */
  createdAt: number;
};

/** Rows one sweep statement deletes, so a large backlog never makes one long D1 write. */
export const SWEEP_BATCH = 1000;

export type CacheLookup = { knowledgeVersion: number; entry: AnswerCacheEntry | null };

export const answerCacheRepo = (db: Db) => ({
  lookup: async (tenantId: string, botId: string, key: string): Promise<CacheLookup> => {
    const row = await db.$client
      .prepare(
        `SELECT v.version AS current, a.knowledge_version AS knowledgeVersion, a.bot_version AS botVersion,
                a.model AS model, a.answer AS answer, a.sources AS sources, a.confidence AS confidence,
                a.created_at AS createdAt
           FROM (SELECT COALESCE((SELECT version FROM knowledge_versions WHERE tenant_id = ?1), 1) AS version) v
           LEFT JOIN answer_cache a ON a.tenant_id = ?1 AND a.bot_id = ?2 AND a.key = ?3`,
      )
      .bind(tenantId, botId, key)
      .first<AnswerCacheEntry & { current: number; answer: string | null }>();
    const current = Number(row?.current ?? 1);
    if (!row || row.answer === null) return { knowledgeVersion: current, entry: null };
    const { current: _c, ...entry } = row;
    return { knowledgeVersion: current, entry: { ...entry, createdAt: Number(entry.createdAt) } };
  },
  /**
   * The bot's row and the same look-up in one round trip (one D1 batch, read in one transaction):
   * the answerer guesses the key from the bot as it last saw it and uses the result only if the
   * fresh row gives the same key.
   */
  lookupWithBot: async (
    tenantId: string,
    botId: string,
    key: string,
  ): Promise<CacheLookup & { bot: BotRow | undefined }> => {
    const [botRows, versions, entries] = await db.batch([
      db
        .select()
        .from(bots)
        .where(and(eq(bots.tenantId, tenantId), eq(bots.id, botId))),
      db
        .select({ version: knowledgeVersions.version })
        .from(knowledgeVersions)
        .where(eq(knowledgeVersions.tenantId, tenantId)),
      db
        .select()
        .from(answerCache)
        .where(and(eq(answerCache.tenantId, tenantId), eq(answerCache.botId, botId), eq(answerCache.key, key))),
    ]);
    const e = entries[0];
    return {
      bot: botRows[0],
      knowledgeVersion: versions[0]?.version ?? 1,
      entry: e
        ? {
            knowledgeVersion: e.knowledgeVersion,
            botVersion: e.botVersion,
            model: e.model,
            answer: e.answer,
            sources: e.sources,
            confidence: e.confidence,
            createdAt: e.createdAt.getTime(),
          }
        : null,
    };
  },
  /** Stores (or replaces) the entry of a key; `now` becomes its created_at (the TTL restarts). */
  put: (tenantId: string, botId: string, key: string, e: Omit<AnswerCacheEntry, "createdAt">, now: number) =>
    db.$client
      .prepare(
        `INSERT INTO answer_cache (tenant_id, bot_id, key, knowledge_version, bot_version, model, answer, sources, confidence, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (tenant_id, bot_id, key) DO UPDATE SET knowledge_version = excluded.knowledge_version,
           bot_version = excluded.bot_version, model = excluded.model, answer = excluded.answer,
           sources = excluded.sources, confidence = excluded.confidence, created_at = excluded.created_at`,
      )
      .bind(tenantId, botId, key, e.knowledgeVersion, e.botVersion, e.model, e.answer, e.sources, e.confidence, now)
      .run(),
  /**
   * Deletes up to SWEEP_BATCH entries of every tenant stored before `before` (ms), oldest first
   * (index answer_cache_created_at, migration 0025); returns how many went.
   */
  deleteOlderThan: async (before: number): Promise<number> => {
    const r = await db.$client
      .prepare(
        `DELETE FROM answer_cache WHERE rowid IN
           (SELECT rowid FROM answer_cache WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)`,
      )
      .bind(before, SWEEP_BATCH)
      .run();
    return r.meta.changes ?? 0;
  },
});
