import { DurableObject } from "cloudflare:workers";
import type { IndexQuery, IndexResult, KnowledgeIndexPort } from "../contracts/knowledge-index";
import { ftsTermsOf } from "../domain/knowledge/retrieve";
import { createLog, type Log } from "../lib/log";
import { createDb } from "../storage/db";
import { type FtsHit, botToken, searchRepo } from "../storage/search";
import type { AnyNamespace } from "./room-api";

/** Chunks copied from D1 per read while catching up. */
const COPY_PAGE = 400;
/** Counted words remembered per knowledge version (least recently used go first). */
const MAX_COUNTS = 4096;
const ALL_BOTS = botToken(null);
/** Bumped when the tables below change; an object at this version skips the DDL. */
const SCHEMA_VERSION = "1";

/**
 * One per tenant (`idFromName(tenantId)`): a copy of the tenant's knowledge chunks in the object's
 * own SQLite, with an FTS5 index over them, so a question is answered from one call to an object
 * that holds only this tenant's rows — no D1 round trip, no tenant filter inside the full-text query,
 * BM25 statistics of this tenant's help centre alone (D1's shared index mixes every tenant's).
 *
 * D1 stays the record. The copy holds the tenant's knowledge version it was made at; a search that
 * brings a newer version (the caller read it with the answer cache's probe) or none first catches
 * up: one D1 read gives the version and whether any copied chunk was deleted, then the chunks added
 * since the newest copied one are read in pages with their source's display fields (which change
 * only when a source's chunks are written again). Chunks are only inserted (growing `seq`) or
 * deleted in D1, never changed, so this is exact, and its cost follows what changed, not the size of
 * the tenant's knowledge (apart from one count over the tenant's chunk index). Searches wait for
 * a catch-up in progress, so none reads a half-made copy.
 *
 * The copy is derived data: an erased or lost copy is rebuilt from D1 on the next search.
 */
export class KnowledgeIndex extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly log: Log;
  private readonly repo: ReturnType<typeof searchRepo>;
  /** The knowledge version the copy holds (0: none yet). */
  private version = 0;
  private owner: string | undefined;
  private catchingUp: Promise<void> | null = null;
  /** Document frequencies of query groups at `version`. */
  private counts = new Map<string, number>();
  /** Chunks held (counting them reads every page of the table: 4 ms at 10k chunks, so once per change). */
  private total: number | undefined;
  /** Whether any chunk held serves one bot only; when none does, a search needs no bot filter (0.6 ms at 10k). */
  private scoped: boolean | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.log = createLog({ do: "KnowledgeIndex" });
    this.repo = searchRepo(createDb(env.DB));
    ctx.blockConcurrencyWhile(async () => {
      this.createTables();
      this.version = Number(this.meta("version") ?? 0);
      this.owner = this.meta("tenant") ?? undefined;
    });
  }

  /** Runs the DDL once per object: an established one only reads its stored schema version. */
  private createTables() {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
    if (this.meta("schema") === SCHEMA_VERSION) return;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS sources (id TEXT PRIMARY KEY, title TEXT NOT NULL, url TEXT, external_id TEXT)`,
    );
    // the FTS table's external content: title, heading, body and bot token as indexed, plus what a hit shows
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS chunks (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, source_id TEXT NOT NULL,
         title TEXT NOT NULL, heading TEXT NOT NULL, body TEXT NOT NULL, bot TEXT NOT NULL, terms TEXT)`,
    );
    this.sql.exec(
      `CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, heading, body, bot, content = 'chunks',
         content_rowid = 'seq', tokenize = 'porter unicode61 remove_diacritics 2')`,
    );
    this.setMeta("schema", SCHEMA_VERSION);
  }

  private meta(k: string): string | null {
    const row = this.sql.exec(`SELECT v FROM meta WHERE k = ?`, k).toArray()[0];
    return row ? String(row.v) : null;
  }

  private setMeta(k: string, v: string) {
    this.sql.exec(`INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, k, v);
  }

  /** The object serves one tenant: the first caller claims it; a call for any other finds nothing. */
  private claim(tenantId: string): boolean {
    if (this.owner === undefined) {
      this.owner = tenantId;
      this.setMeta("tenant", tenantId);
    } else if (this.owner !== tenantId) {
      this.log.error("knowledge index: call for another tenant refused", { tenantId });
      return false;
    }
    return true;
  }

  async search(tenantId: string, q: IndexQuery): Promise<IndexResult> {
    if (!this.claim(tenantId)) return { total: 0, df: q.groups.map(() => 0), version: 0, hits: [] };
    // a catch-up in progress first: it may be for this caller's version, and its copy is half made
    if (this.catchingUp) await this.catchingUp;
    if (q.knowledgeVersion === undefined || q.knowledgeVersion !== this.version) await this.catchUp(tenantId);
    const total = (this.total ??= Number(this.sql.exec(`SELECT count(*) AS n FROM chunks`).one().n));
    const df = q.groups.map((g) => this.count(g));
    const picked = ftsTermsOf(df.slice(0, q.terms.length), total);
    const tokens = picked.flatMap((i) => q.terms[i] ?? []);
    return { total, df, version: this.version, hits: tokens.length ? this.query(tokens, q) : [] };
  }

  /** Catches up with D1 now (the ingest consumer calls it after a source is indexed or removed). */
  async refresh(tenantId: string): Promise<void> {
    if (!this.claim(tenantId)) return;
    if (this.catchingUp) await this.catchingUp;
    await this.catchUp(tenantId);
  }

  private count(group: string): number {
    const known = this.counts.get(group);
    if (known !== undefined) {
      this.counts.delete(group);
      this.counts.set(group, known);
      return known;
    }
    const n = Number(
      this.sql.exec(`SELECT count(*) AS n FROM fts WHERE fts MATCH ?`, `{title heading body}:${group}`).one().n,
    );
    this.counts.set(group, n);
    if (this.counts.size > MAX_COUNTS) this.counts.delete(this.counts.keys().next().value!);
    return n;
  }

  /** The top `limit` by BM25 are picked inside the FTS subquery, so only they are joined. */
  private query(tokens: string[], q: IndexQuery): FtsHit[] {
    this.scoped ??= this.sql.exec(`SELECT 1 FROM chunks WHERE bot <> ? LIMIT 1`, ALL_BOTS).toArray().length > 0;
    const bot = q.botId && this.scoped ? ` AND bot:(${ALL_BOTS} OR ${botToken(q.botId)})` : "";
    const match = `{title heading body}:(${tokens.join(" OR ")})${bot}`;
    return this.sql
      .exec(
        `SELECT c.seq AS seq, c.id AS chunkId, c.source_id AS sourceId, c.heading AS heading, c.body AS text,
                c.terms AS terms, s.title AS title, s.url AS url, s.external_id AS externalId, f.bm25 AS bm25
           FROM (SELECT rowid, bm25(fts, ?, ?, ?, 0.0) AS bm25 FROM fts WHERE fts MATCH ? ORDER BY bm25 LIMIT ?) f
           JOIN chunks c ON c.seq = f.rowid
           JOIN sources s ON s.id = c.source_id
          ORDER BY f.bm25`,
        q.weights.title,
        q.weights.heading,
        q.weights.body,
        match,
        q.limit,
      )
      .toArray() as unknown as FtsHit[];
  }

  private catchUp(tenantId: string): Promise<void> {
    this.catchingUp ??= this.copyFromD1(tenantId).finally(() => {
      this.catchingUp = null;
    });
    return this.catchingUp;
  }

  private async copyFromD1(tenantId: string) {
    const maxSeq = Number(this.sql.exec(`SELECT COALESCE(max(seq), 0) AS m FROM chunks`).one().m);
    const held = this.total ?? Number(this.sql.exec(`SELECT count(*) AS n FROM chunks`).one().n);
    const head = await this.repo.indexHead(tenantId, maxSeq);
    if (head.version === this.version && head.kept === held) return;
    let dropped = 0;
    if (head.kept !== held) {
      const alive = new Set(await this.repo.indexSeqs(tenantId, maxSeq));
      const gone = this.sql
        .exec(`SELECT seq FROM chunks`)
        .toArray()
        .map((r) => Number(r.seq))
        .filter((s) => !alive.has(s));
      for (const seq of gone) this.dropChunk(seq);
      dropped = gone.length;
      if (dropped) this.sql.exec(`DELETE FROM sources WHERE id NOT IN (SELECT source_id FROM chunks)`);
    }
    let after = maxSeq;
    let added = 0;
    for (;;) {
      const page = await this.repo.indexChunksAfter(tenantId, after, COPY_PAGE);
      for (const c of page) {
        this.sql.exec(
          `INSERT INTO sources (id, title, url, external_id) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, url = excluded.url, external_id = excluded.external_id`,
          c.sourceId,
          c.title,
          c.url,
          c.externalId,
        );
        this.sql.exec(
          `INSERT INTO chunks (seq, id, source_id, title, heading, body, bot, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          c.seq,
          c.id,
          c.sourceId,
          c.title,
          c.heading,
          c.text,
          botToken(c.botId),
          c.terms,
        );
        this.sql.exec(
          `INSERT INTO fts (rowid, title, heading, body, bot) VALUES (?, ?, ?, ?, ?)`,
          c.seq,
          c.title,
          c.heading,
          c.text,
          botToken(c.botId),
        );
      }
      added += page.length;
      if (page.length < COPY_PAGE) break;
      after = Number(page[page.length - 1]!.seq);
    }
    this.version = head.version;
    this.setMeta("version", String(head.version));
    this.counts = new Map();
    this.total = undefined;
    this.scoped = undefined;
    if (dropped || added > COPY_PAGE)
      this.log.info("knowledge index: caught up", { tenantId, version: head.version, added, dropped });
  }

  /** An external-content FTS row is removed with the values it was indexed with. */
  private dropChunk(seq: number) {
    this.sql.exec(
      `INSERT INTO fts (fts, rowid, title, heading, body, bot) SELECT 'delete', seq, title, heading, body, bot FROM chunks WHERE seq = ?`,
      seq,
    );
    this.sql.exec(`DELETE FROM chunks WHERE seq = ?`, seq);
  }

  /** Workspace purge: the whole copy goes; a later search of the same tenant would rebuild it from D1. */
  async erase(tenantId: string): Promise<{ chunks: number }> {
    if (this.owner !== undefined && this.owner !== tenantId) return { chunks: 0 };
    if (this.catchingUp) await this.catchingUp.catch(() => undefined);
    const chunks = Number(this.sql.exec(`SELECT count(*) AS n FROM chunks`).one().n);
    await this.ctx.storage.deleteAll();
    this.createTables();
    this.version = 0;
    this.owner = undefined;
    this.counts = new Map();
    this.total = undefined;
    this.scoped = undefined;
    return { chunks };
  }
}

/** The tenant's index object (one per tenant, named `knowledge:${tenantId}`). */
export function knowledgeIndexStub(ns: AnyNamespace, tenantId: string): DurableObjectStub<KnowledgeIndex> {
  return ns.get(ns.idFromName(`knowledge:${tenantId}`)) as DurableObjectStub<KnowledgeIndex>;
}

/** The stub-backed port (contracts/knowledge-index.ts). */
export function knowledgeIndexPortOf(ns: AnyNamespace): KnowledgeIndexPort {
  const rpc = (tenantId: string) =>
    knowledgeIndexStub(ns, tenantId) as unknown as Pick<KnowledgeIndex, "search" | "refresh" | "erase">;
  return {
    search: (tenantId, q) => rpc(tenantId).search(tenantId, q),
    refresh: (tenantId) => rpc(tenantId).refresh(tenantId),
    erase: (tenantId) => rpc(tenantId).erase(tenantId),
  };
}
