import { sha256Hex } from "../../lib/crypto";
import type { BotRow } from "../../storage/schema";
import type { BaseCtx } from "../ctx";
import type { AnswerCtx, AnswerDone, AnswerSource } from "./answer-types";
import { SWEEP_BATCH, type CacheLookup } from "../../storage/answer-cache-repo";
import { normalise } from "./dialogue-acts";

/**
 * Answer cache per bot (issue 14). Key: SHA-256 of the normalised question (lower case, no
 * diacritics or punctuation, single spaces), the answer language, the channel and the answer
 * model's name; the row is per tenant and bot (primary key), so it never serves across tenants or
 * bots. An entry is served only while the tenant's knowledge version and the bot's version are the
 * ones it was built at: database triggers bump them on any source/chunk change and any bot update
 * (migrations/0018_speed.sql), so invalidation cannot be forgotten by a code path.
 *
 * What is cached: only grounded answers (not abstained, not handed off, no provider failure) to a
 * question that stands on its own. Never cached: dialogue acts, commerce order look-ups (they use
 * the visitor's identity), follow-ups resolved against the conversation ("and yearly?"). The
 * history is not in the key: a standalone question is answered from the knowledge, and the same
 * question in another conversation gets the same grounded answer.
 *
 * Expiry: an entry is served for `config.answerCacheTtlSeconds` (ANSWER_CACHE_TTL_SECONDS, default
 * one day) after it was stored, judged by `ctx.clock`; the hourly cron (scheduled.ts) deletes older
 * rows with `sweepAnswerCache`. A miss on an expired entry re-answers and replaces it.
 *
 * Storage: a D1 table, not a Durable Object. Every conversation is its own room object, so a cache
 * inside a room would only ever hit within one conversation; a per-bot object would add a hop to
 * every answer. D1 is already read on every answer (the bot row), and one read returns both the
 * current knowledge version and the entry; once the isolate has seen the bot, that read rides the
 * bot's own in one batch (`probeWithBot`), so a hit is one D1 round trip.
 */
export type CacheProbe = {
  key: string;
  knowledgeVersion: number;
  botVersion: number;
  model: string;
  hit: { answer: string; sources: AnswerSource[]; confidence: number } | null;
};

export async function cacheKeyOf(question: string, language: string, channel: string, model: string) {
  return sha256Hex(`${normalise(question)}\u0000${language}\u0000${channel}\u0000${model}`);
}

/** What a look-up is keyed by. */
export type CacheQuestion = { question: string; language: string; channel: string; model: string };

/** Looks the question up; `hit` is set only when the entry is current for knowledge, bot and model. */
export async function probeAnswerCache(ctx: AnswerCtx, bot: BotRow, q: CacheQuestion): Promise<CacheProbe> {
  const key = await cacheKeyOf(q.question, q.language, q.channel, q.model);
  const cache = ctx.repos.answerCache;
  const [versions, entries] = await ctx.repos.batch(cache.lookupStmts(ctx.tenantId, bot.id, key));
  return judgeProbe(ctx, bot, q, key, cache.lookupOf(versions, entries));
}

/**
 * The bot's read and the look-up in one D1 round trip: `q` is keyed by what the caller expects the
 * bot to say (its row as last seen: the language comes from it). The caller keeps the result only if
 * the fresh row gives the same key; either way it has the fresh row.
 */
export async function probeWithBot(
  ctx: AnswerCtx,
  botId: string,
  q: CacheQuestion,
): Promise<{ bot: BotRow | undefined; key: string; lookup: CacheLookup }> {
  const key = await cacheKeyOf(q.question, q.language, q.channel, q.model);
  const { bots, answerCache: cache } = ctx.repos;
  const [botRows, versions, entries] = await ctx.repos.batch([
    bots.getStmt(ctx.tenantId, botId),
    ...cache.lookupStmts(ctx.tenantId, botId, key),
  ]);
  return { bot: botRows[0], key, lookup: cache.lookupOf(versions, entries) };
}

/** The probe of a look-up already made: a hit only while current for knowledge, bot, model and TTL. */
export function judgeProbe(
  ctx: AnswerCtx,
  bot: BotRow,
  q: CacheQuestion,
  key: string,
  { knowledgeVersion, entry }: CacheLookup,
): CacheProbe {
  const fresh = entry !== null && ctx.clock.now() - entry.createdAt < ctx.config.answerCacheTtlSeconds * 1000;
  const current =
    entry &&
    fresh &&
    entry.knowledgeVersion === knowledgeVersion &&
    entry.botVersion === bot.version &&
    entry.model === q.model;
  return {
    key,
    knowledgeVersion,
    botVersion: bot.version,
    model: q.model,
    hit: current
      ? { answer: entry.answer, sources: JSON.parse(entry.sources) as AnswerSource[], confidence: entry.confidence }
      : null,
  };
}

/** Stores a grounded answer at the versions read before it was built (a change meanwhile makes it stale at once). */
export async function storeAnswer(ctx: AnswerCtx, botId: string, probe: CacheProbe, done: Omit<AnswerDone, "type">) {
  if (done.handoff || done.failure || done.act || done.tool || done.uncovered?.length) return;
  try {
    await ctx.repos.answerCache.put(
      ctx.tenantId,
      botId,
      probe.key,
      {
        knowledgeVersion: probe.knowledgeVersion,
        botVersion: probe.botVersion,
        model: probe.model,
        answer: done.answer,
        sources: JSON.stringify(done.sources),
        confidence: done.confidence,
      },
      ctx.clock.now(),
    );
  } catch (err) {
    // the cache is an optimisation: a failed write never fails the answer
    ctx.log.warn("knowledge: answer cache write failed", { error: String(err), botId });
  }
}

/** A cached answer streams like a generated one: word groups, the same delta events. */
export function piecesOf(text: string): string[] {
  const words = text.match(/\S+\s*/g) ?? [text];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 8) out.push(words.slice(i, i + 8).join(""));
  return out;
}

/** Most sweep statements one cron run makes (SWEEP_BATCH rows each); the next run continues. */
const MAX_SWEEP_ROUNDS = 20;

/** Deletes cache entries older than the TTL, every tenant (the cron); returns how many went. */
export async function sweepAnswerCache(ctx: Pick<BaseCtx, "repos" | "config" | "clock">): Promise<number> {
  const before = ctx.clock.now() - ctx.config.answerCacheTtlSeconds * 1000;
  let swept = 0;
  for (let round = 0; round < MAX_SWEEP_ROUNDS; round++) {
    const n = await ctx.repos.answerCache.deleteOlderThan(before);
    swept += n;
    if (n < SWEEP_BATCH) break;
  }
  return swept;
}
