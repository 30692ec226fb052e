import { and, eq } from "drizzle-orm";
import type { Db } from "./db";
import { answerCache, knowledgeVersions } from "./schema";

/**
 * The answer cache (migrations/0018_speed.sql, domain/knowledge/answer-cache.ts). One round trip
 * answers both "what is the tenant's knowledge version now?" and "is there an entry for this key?",
 * so a miss costs no extra round trip over a hit. Entries are per tenant and bot by primary key.
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

type EntryRow = typeof answerCache.$inferSelect;

export const answerCacheRepo = (db: Db) => {
  /**
   * The two reads of a look-up: the knowledge version now and the key's entry. Sent in one batch
   * they are one round trip and one snapshot; the answerer puts the bot's row in front of them
   * (`bots.getStmt`) once it can guess the key. `lookupOf` reads the batch's results.
   */
  const lookupStmts = (tenantId: string, botId: string, key: string) =>
    [
      db
        .select({ version: knowledgeVersions.version })
        .from(knowledgeVersions)
        .where(eq(knowledgeVersions.tenantId, tenantId)),
      db
        .select()
        .from(answerCache)
        .where(and(eq(answerCache.tenantId, tenantId), eq(answerCache.botId, botId), eq(answerCache.key, key))),
    ] as const;
  return {
    lookupStmts,
    /** The knowledge version now (1 before any change) and the key's entry, from `lookupStmts`' results. */
    lookupOf: (versions: { version: number }[], entries: EntryRow[]): CacheLookup => {
      const e = entries[0];
      return {
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
  };
};
