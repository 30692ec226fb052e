import type { Repos } from "../../storage/repos";

/**
 * Document frequencies of question words, remembered per tenant in the isolate for the knowledge
 * version they were counted at (`knowledge_versions`, bumped by triggers on every chunk write).
 *
 * A question's words are mostly words earlier questions used, so after the first questions a
 * grounded answer needs no count of its own: when the caller already read the tenant's current
 * version (the answer cache's probe returns it), the counts are served without a D1 round trip.
 * Otherwise only the words not yet counted are counted, in the same batch that reads the version;
 * counts of another version are never mixed in. Counts only weigh words (IDF), they never decide
 * what a visitor may see, and the cache is keyed by tenant, so no tenant's figures reach another.
 */
type Entry = { version: number; total: number; df: Map<string, number> };

/** Tenants remembered per isolate (least recently used go first) and words per tenant. */
export const TERM_STATS_LIMITS = { tenants: 64, words: 4096 };

const cache = new Map<string, Entry>();

export type TermStats = { total: number; df: number[]; version: number; cached: boolean };

/**
 * `groups` are the FTS query groups of the question's words (`(word OR synonym)`). With
 * `knownVersion`, the tenant's current knowledge version read by the caller in this request.
 */
export async function termStatsOf(
  ctx: { tenantId: string; repos: Pick<Repos, "search"> },
  groups: string[],
  knownVersion?: number,
): Promise<TermStats> {
  const entry = cache.get(ctx.tenantId);
  if (entry) {
    // least recently used first: re-insert on use
    cache.delete(ctx.tenantId);
    cache.set(ctx.tenantId, entry);
  }
  if (entry && knownVersion !== undefined && entry.version === knownVersion) {
    const df = groups.map((g) => entry.df.get(g));
    if (df.every((n) => n !== undefined)) return { total: entry.total, df, version: entry.version, cached: true };
  }
  // a caller that read a newer version already knows the remembered counts are stale: count every word
  const current = entry && (knownVersion === undefined || entry.version === knownVersion) ? entry : undefined;
  const missing = current ? groups.filter((g) => !current.df.has(g)) : groups;
  const partial = await ctx.repos.search.termStats(ctx.tenantId, missing);
  if (entry && partial.version === entry.version) {
    missing.forEach((g, i) => entry.df.set(g, partial.df[i]!));
    trim(entry);
    return { total: entry.total, df: groups.map((g) => entry.df.get(g)!), version: entry.version, cached: false };
  }
  // first count for this tenant, or the knowledge changed: count every word at the new version
  const full = missing.length === groups.length ? partial : await ctx.repos.search.termStats(ctx.tenantId, groups);
  const fresh: Entry = {
    version: full.version,
    total: full.total,
    df: new Map(groups.map((g, i) => [g, full.df[i]!])),
  };
  cache.delete(ctx.tenantId);
  cache.set(ctx.tenantId, fresh);
  while (cache.size > TERM_STATS_LIMITS.tenants) cache.delete(cache.keys().next().value!);
  return { total: full.total, df: full.df, version: full.version, cached: false };
}

function trim(entry: Entry) {
  if (entry.df.size <= TERM_STATS_LIMITS.words) return;
  for (const key of entry.df.keys()) {
    entry.df.delete(key);
    if (entry.df.size <= TERM_STATS_LIMITS.words / 2) break;
  }
}
