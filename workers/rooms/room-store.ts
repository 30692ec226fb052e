import type { AnswerSource } from "../domain/knowledge/answer-types";
import type { AttachmentRef, JsonObject, MsgFrame, Operator, Role } from "./protocol";
import type { RoomMeta, RoomState } from "./room-state";
import type { ConversationTriageRow } from "../storage/schema";
import type { AnalyticsEvent, EventActor, EventKind } from "./room-analytics";

/**
 * The room's SQLite storage (Durable Object SQL API; calls are synchronous and atomic within one
 * event, which is what makes `seq` gap-free). Parameterized SQL only.
 */
const SCHEMA_VERSION = 2;
const DDL = [
  `CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)`,
  // cid_key = "<sender>:<cid>"; UNIQUE makes a resend with the same cid store nothing
  `CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, cid_key TEXT UNIQUE, cid TEXT,
     role TEXT NOT NULL, text TEXT NOT NULL, sources TEXT, attachments TEXT, author TEXT, meta TEXT, created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, after_seq INTEGER NOT NULL, cid_key TEXT UNIQUE, cid TEXT,
     text TEXT NOT NULL, author TEXT NOT NULL, created_at INTEGER NOT NULL, flushed INTEGER NOT NULL DEFAULT 0)`,
  `CREATE TABLE IF NOT EXISTS attachments (id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, size INTEGER NOT NULL,
     used_seq INTEGER, created_at INTEGER NOT NULL)`,
  // due work for the single alarm: "flush" (D1 copy)
  `CREATE TABLE IF NOT EXISTS jobs (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL)`,
  // analytics events (issue 16, room-analytics.ts): key is unique per conversation; flushed to D1 in the copy batch
  `CREATE TABLE IF NOT EXISTS events (key TEXT PRIMARY KEY, kind TEXT NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL,
     actor_id TEXT, value_ms INTEGER, data TEXT, flushed INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX IF NOT EXISTS events_unflushed ON events (flushed, at)`,
];

export type MessageRecord = {
  seq: number;
  id: string;
  cid: string | null;
  role: Role;
  text: string;
  sources: AnswerSource[] | null;
  attachments: AttachmentRef[] | null;
  author: Operator | null;
  meta: JsonObject | null;
  createdAt: number;
};

export type NoteRecord = {
  id: string;
  afterSeq: number;
  cid: string | null;
  text: string;
  author: Operator;
  createdAt: number;
};

type Row = Record<string, SqlStorageValue>;

/**
 * Messages the store keeps in memory, the newest last: triage reads the last 30 on every visitor
 * message, the AI turn its recent history, the D1 copy the unflushed ones, a rejoining socket what it
 * missed. Read from SQLite and decoded (JSON columns) each time, that was the largest part of triage's
 * cost per message (issue 14, a CPU profile of bench:chat's plain phase).
 */
const TAIL = 64;

/** Stored messages are shared with every reader (they only read): frozen, so a change would throw. */
function frozen<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}
const json = <T>(v: SqlStorageValue | undefined): T | null => (typeof v === "string" ? (JSON.parse(v) as T) : null);

function toMessage(r: Row): MessageRecord {
  return {
    seq: Number(r.seq),
    id: String(r.id),
    cid: r.cid === null ? null : String(r.cid),
    role: String(r.role) as Role,
    text: String(r.text),
    sources: json<AnswerSource[]>(r.sources),
    attachments: json<AttachmentRef[]>(r.attachments),
    author: json<Operator>(r.author),
    meta: json<JsonObject>(r.meta),
    createdAt: Number(r.created_at),
  };
}

function toNote(r: Row): NoteRecord {
  return {
    id: String(r.id),
    afterSeq: Number(r.after_seq),
    cid: r.cid === null ? null : String(r.cid),
    text: String(r.text),
    author: json<Operator>(r.author)!,
    createdAt: Number(r.created_at),
  };
}

/** The wire form of a stored message (DESIGN.md `msg`). */
export function toMsgFrame(m: MessageRecord): MsgFrame {
  return {
    type: "msg",
    seq: m.seq,
    id: m.id,
    ...(m.cid ? { cid: m.cid } : {}),
    role: m.role,
    text: m.text,
    at: new Date(m.createdAt).toISOString(),
    ...(m.sources ? { sources: m.sources } : {}),
    ...(m.attachments?.length ? { attachments: m.attachments } : {}),
    ...(m.role === "agent" && m.author ? { name: m.author.name } : {}),
  };
}

export function createRoomStore(sql: SqlStorage) {
  const one = (query: string, ...args: SqlStorageValue[]) => sql.exec(query, ...args).toArray()[0];
  /**
   * What this object last read or wrote, kept in memory: the room is the only writer of its storage,
   * so a value once known stays true until the room itself changes it (or `forget` after an erase).
   * Every message read the same kv rows, MAX(seq) and the jobs row several times; each SQLite
   * statement costs more than the echo it serves (issue 14, bench:chat --realistic).
   */
  const kvCache = new Map<string, string | null>();
  let seqCache: number | undefined;
  let jobsCache: Map<string, number> | undefined;
  /** The last TAIL messages in seq order (all of them when fewer), loaded at the first read; undefined: not loaded. */
  let tailCache: MessageRecord[] | undefined;
  const tail = () =>
    (tailCache ??= sql
      .exec(`SELECT * FROM messages ORDER BY seq DESC LIMIT ?`, TAIL)
      .toArray()
      .map((r) => frozen(toMessage(r)))
      .reverse());
  /** Whether the tail holds every message after `afterSeq` (seq is gap-free from 1). */
  const tailCovers = (afterSeq: number) => {
    const first = tail()[0];
    return !first || first.seq <= afterSeq + 1;
  };
  const jobs = () =>
    (jobsCache ??= new Map(
      sql
        .exec(`SELECT name, due_at FROM jobs`)
        .toArray()
        .map((r) => [String(r.name), Number(r.due_at)]),
    ));
  const kvGet = <T>(k: string): T | undefined => {
    let v = kvCache.get(k);
    if (v === undefined) {
      const r = one(`SELECT v FROM kv WHERE k = ?`, k);
      v = r ? String(r.v) : null;
      kvCache.set(k, v);
    }
    // parsed afresh each time: callers may change what they get
    return v === null ? undefined : (JSON.parse(v) as T);
  };
  const kvSet = (k: string, value: unknown) => {
    const v = JSON.stringify(value);
    if (kvCache.get(k) === v) return;
    sql.exec(`INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, k, v);
    kvCache.set(k, v);
  };

  return {
    /** Drops what the store remembers (the room's storage was deleted: privacy erasure). */
    forget() {
      kvCache.clear();
      seqCache = undefined;
      jobsCache = undefined;
      tailCache = undefined;
    },
    /** Runs the DDL once per object: established rooms only read the stored version. */
    migrate() {
      sql.exec(DDL[0]!);
      if (kvGet<number>("schema") === SCHEMA_VERSION) return;
      for (const stmt of DDL.slice(1)) sql.exec(stmt);
      kvSet("schema", SCHEMA_VERSION);
    },
    meta: () => kvGet<RoomMeta>("meta"),
    setMeta: (m: RoomMeta) => kvSet("meta", m),
    /** A new conversation: its meta, first state and no triage yet. */
    create: (m: RoomMeta, s: RoomState) => {
      kvSet("meta", m);
      kvSet("state", s);
      kvSet("triage", { row: null, dirty: false });
    },
    state: () => kvGet<RoomState>("state"),
    setState: (s: RoomState) => kvSet("state", s),
    /** Principals whose authority the tenant hub reduced: user or key id → `revoked` | `read_only`. */
    authority: () => kvGet<Record<string, "revoked" | "read_only">>("authority") ?? {},
    setAuthority: (a: Record<string, "revoked" | "read_only">) => kvSet("authority", a),
    /** The conversation's triage row as the room keeps it (undefined: never loaded), and whether D1 lacks it. */
    triage: () => {
      const t = kvGet<{ row: ConversationTriageRow | null; dirty: boolean }>("triage");
      // JSON keeps times as ISO strings; the row's timestamp columns are Dates
      const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
      if (t?.row) t.row = { ...t.row, escalatedAt: date(t.row.escalatedAt), updatedAt: date(t.row.updatedAt)! };
      return t;
    },
    setTriage: (row: ConversationTriageRow | null, dirty: boolean) => kvSet("triage", { row, dirty }),
    flushedSeq: () => kvGet<number>("flushedSeq") ?? 0,
    setFlushedSeq: (seq: number) => kvSet("flushedSeq", seq),

    lastSeq: () => (seqCache ??= Number(one(`SELECT COALESCE(MAX(seq), 0) AS s FROM messages`)?.s ?? 0)),
    lastMessage: (): MessageRecord | undefined => tail().at(-1),
    /** The visitor's last message (WhatsApp's 24-hour window starts at it). */
    lastVisitorMessage: () => {
      const r = one(`SELECT * FROM messages WHERE role = 'visitor' ORDER BY seq DESC LIMIT 1`);
      return r ? toMessage(r) : undefined;
    },
    messageByCidKey: (cidKey: string) => {
      const r = one(`SELECT * FROM messages WHERE cid_key = ?`, cidKey);
      return r ? toMessage(r) : undefined;
    },
    /** Appends with the next seq; the caller has already checked the cid. */
    insertMessage(m: Omit<MessageRecord, "seq">, cidKey: string | null): MessageRecord {
      return this.insertMessageAt({ ...m, seq: this.lastSeq() + 1 }, cidKey);
    },
    /** Appends with the seq room-core chose; it must be the next one (seq stays gap-free). */
    insertMessageAt(m: MessageRecord, cidKey: string | null): MessageRecord {
      const seq = this.lastSeq() + 1;
      if (m.seq !== seq) throw new Error(`room: seq ${m.seq} is not the next one (${seq})`);
      sql.exec(
        `INSERT INTO messages (seq, id, cid_key, cid, role, text, sources, attachments, author, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        seq,
        m.id,
        cidKey,
        m.cid,
        m.role,
        m.text,
        m.sources ? JSON.stringify(m.sources) : null,
        m.attachments?.length ? JSON.stringify(m.attachments) : null,
        m.author ? JSON.stringify(m.author) : null,
        m.meta ? JSON.stringify(m.meta) : null,
        m.createdAt,
      );
      seqCache = seq;
      const rec = { ...m, seq };
      if (tailCache) {
        tailCache.push(frozen(structuredClone(rec)));
        if (tailCache.length > TAIL) tailCache.shift();
      }
      return rec;
    },
    /** Messages after `afterSeq`, oldest first (read-only: the ones in memory are shared). */
    messagesAfter: (afterSeq: number, limit: number): readonly MessageRecord[] =>
      tailCovers(afterSeq)
        ? tail()
            .filter((m) => m.seq > afterSeq)
            .slice(0, limit)
        : sql
            .exec(`SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
            .toArray()
            .map(toMessage),
    /** The last `n` messages, oldest first (read-only: the ones in memory are shared). */
    recentMessages: (n: number): readonly MessageRecord[] =>
      n <= 0
        ? []
        : n <= TAIL
          ? tail().slice(-n)
          : sql.exec(`SELECT * FROM messages ORDER BY seq DESC LIMIT ?`, n).toArray().map(toMessage).reverse(),

    noteByCidKey: (cidKey: string) => {
      const r = one(`SELECT * FROM notes WHERE cid_key = ?`, cidKey);
      return r ? toNote(r) : undefined;
    },
    insertNote(n: NoteRecord, cidKey: string | null) {
      sql.exec(
        `INSERT INTO notes (id, after_seq, cid_key, cid, text, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        n.id,
        n.afterSeq,
        cidKey,
        n.cid,
        n.text,
        JSON.stringify(n.author),
        n.createdAt,
      );
      return n;
    },
    notesFrom: (afterSeq: number) =>
      sql.exec(`SELECT * FROM notes WHERE after_seq >= ? ORDER BY created_at, id`, afterSeq).toArray().map(toNote),
    unflushedNotes: (limit: number) =>
      sql.exec(`SELECT * FROM notes WHERE flushed = 0 ORDER BY created_at LIMIT ?`, limit).toArray().map(toNote),
    markNotesFlushed: (ids: string[]) => {
      for (const id of ids) sql.exec(`UPDATE notes SET flushed = 1 WHERE id = ?`, id);
    },

    addAttachment: (a: AttachmentRef, now: number) =>
      void sql.exec(
        `INSERT INTO attachments (id, name, type, size, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
        a.id,
        a.name,
        a.type,
        a.size,
        now,
      ),
    /** Attachments by id that exist and no message uses yet. */
    unusedAttachments: (ids: string[]): AttachmentRef[] =>
      ids.flatMap((id) => {
        const r = one(`SELECT * FROM attachments WHERE id = ? AND used_seq IS NULL`, id);
        return r ? [{ id: String(r.id), name: String(r.name), type: String(r.type), size: Number(r.size) }] : [];
      }),
    markAttachmentsUsed: (ids: string[], seq: number) => {
      for (const id of ids) sql.exec(`UPDATE attachments SET used_seq = ? WHERE id = ?`, seq, id);
    },

    /** Stores an analytics event once (a second insert with the same key is ignored). */
    insertEvent: (e: AnalyticsEvent) =>
      void sql.exec(
        `INSERT INTO events (key, kind, at, actor, actor_id, value_ms, data) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING`,
        e.key,
        e.kind,
        e.at,
        e.actor,
        e.actorId,
        e.valueMs,
        e.data ? JSON.stringify(e.data) : null,
      ),
    unflushedEvents: (limit: number): AnalyticsEvent[] =>
      sql
        .exec(`SELECT * FROM events WHERE flushed = 0 ORDER BY at LIMIT ?`, limit)
        .toArray()
        .map((r) => ({
          key: String(r.key),
          kind: String(r.kind) as EventKind,
          at: Number(r.at),
          actor: String(r.actor) as EventActor,
          actorId: r.actor_id === null ? null : String(r.actor_id),
          valueMs: r.value_ms === null ? null : Number(r.value_ms),
          data: json<JsonObject>(r.data),
        })),
    markEventsFlushed: (keys: string[]) => {
      for (const k of keys) sql.exec(`UPDATE events SET flushed = 1 WHERE key = ?`, k);
    },

    /** Keeps the earlier due time when the job is already scheduled. */
    schedule: (name: string, dueAt: number) => {
      const known = jobs().get(name);
      if (known !== undefined && known <= dueAt) return;
      sql.exec(
        `INSERT INTO jobs (name, due_at) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET due_at = MIN(due_at, excluded.due_at)`,
        name,
        dueAt,
      );
      jobs().set(name, dueAt);
    },
    dueJobs: (now: number) => [...jobs()].filter(([, due]) => due <= now).map(([name]) => name),
    finishJob: (name: string) => {
      if (!jobs().has(name)) return;
      sql.exec(`DELETE FROM jobs WHERE name = ?`, name);
      jobs().delete(name);
    },
    nextDue: (): number | undefined => {
      const due = [...jobs().values()];
      return due.length ? Math.min(...due) : undefined;
    },
  };
}

export type RoomStore = ReturnType<typeof createRoomStore>;
