import { and, asc, desc, eq, gt, isNull, lt, ne, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "./db";
import { conversationMatch } from "./message-search";
import {
  conversations,
  messages,
  type ConversationMode,
  type ConversationStatus,
  type NewConversationRow,
  type NewMessageRow,
} from "./schema";

/** D1 allows 100 bound parameters per statement; a message row binds 13. */
const MESSAGE_ROWS_PER_STMT = 7;

export type ConversationFilter = {
  status?: ConversationStatus;
  mode?: ConversationMode;
  botId?: string;
  /** A user id, or null for unassigned. */
  assigneeId?: string | null;
  /** Also chat conversations nobody wrote in yet (a widget opened on a page). */
  includeEmpty?: boolean;
  /** Only conversations with a message matching this FTS5 expression (message-search.ts messageMatch). */
  textMatch?: string;
  /** Resume after this (updatedAt, id) pair: the last row of the previous page. */
  after?: { updatedAt: number; id: string };
  limit: number;
};

/** Conversation columns the room owns and rewrites on every flush (the rest are set at creation). */
type LiveColumns = Pick<
  NewConversationRow,
  | "status"
  | "mode"
  | "assigneeId"
  | "lastMessageAt"
  | "lastMessagePreview"
  | "messageCount"
  | "meta"
  | "updatedAt"
  | "closedAt"
  | "visitor"
>;

export const conversationsRepo = (db: Db) => ({
  get: (tenantId: string, id: string) =>
    db
      .select()
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id)))
      .get(),

  /** Newest activity first; ties broken by id so the cursor is total. */
  list: (tenantId: string, f: ConversationFilter) => {
    const where: (SQL | undefined)[] = [eq(conversations.tenantId, tenantId)];
    if (f.status) where.push(eq(conversations.status, f.status));
    if (f.mode) where.push(eq(conversations.mode, f.mode));
    if (f.botId) where.push(eq(conversations.botId, f.botId));
    if (f.assigneeId === null) where.push(isNull(conversations.assigneeId));
    else if (f.assigneeId) where.push(eq(conversations.assigneeId, f.assigneeId));
    if (f.textMatch) where.push(conversationMatch(f.textMatch));
    if (!f.includeEmpty) where.push(or(ne(conversations.channel, "chat"), gt(conversations.messageCount, 0)));
    if (f.after) {
      const at = new Date(f.after.updatedAt);
      where.push(
        or(lt(conversations.updatedAt, at), and(eq(conversations.updatedAt, at), lt(conversations.id, f.after.id))),
      );
    }
    return db
      .select()
      .from(conversations)
      .where(and(...where))
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(f.limit)
      .all();
  },

  /** Creates the row once; a second call (room re-init) leaves it alone. */
  insertIfAbsentStmt: (row: NewConversationRow) => db.insert(conversations).values(row).onConflictDoNothing(),

  /**
   * Idempotent upsert from the room: creates the row when the room's first write lost the race,
   * otherwise rewrites the live columns. The tenant guard keeps a mis-keyed room from touching
   * another tenant's row.
   */
  upsertLiveStmt: (row: NewConversationRow, live: LiveColumns) =>
    db
      .insert(conversations)
      .values(row)
      .onConflictDoUpdate({ target: conversations.id, set: live, setWhere: eq(conversations.tenantId, row.tenantId) }),
});

export const messagesRepo = (db: Db) => ({
  /** A conversation's messages in order; notes (internal) sort after the message whose seq they carry. */
  list: (
    tenantId: string,
    conversationId: string,
    opts: { afterSeq?: number; limit: number; includeInternal: boolean },
  ) =>
    db
      .select()
      .from(messages)
      .where(
        and(
          eq(messages.tenantId, tenantId),
          eq(messages.conversationId, conversationId),
          opts.afterSeq !== undefined ? gt(messages.seq, opts.afterSeq) : undefined,
          opts.includeInternal ? undefined : eq(messages.internal, false),
        ),
      )
      .orderBy(asc(messages.seq), asc(messages.internal), asc(messages.createdAt), asc(messages.id))
      .limit(opts.limit)
      .all(),

  count: async (tenantId: string, conversationId: string) =>
    (
      await db
        .select({ n: sql<number>`count(*)` })
        .from(messages)
        .where(and(eq(messages.tenantId, tenantId), eq(messages.conversationId, conversationId)))
        .get()
    )?.n ?? 0,

  /** Insert statements for a batch, chunked under D1's parameter limit; re-inserting an id is a no-op. */
  insertIgnoreStmts: (rows: NewMessageRow[]) => {
    const out = [];
    for (let i = 0; i < rows.length; i += MESSAGE_ROWS_PER_STMT) {
      out.push(
        db
          .insert(messages)
          .values(rows.slice(i, i + MESSAGE_ROWS_PER_STMT))
          .onConflictDoNothing(),
      );
    }
    return out;
  },
});
