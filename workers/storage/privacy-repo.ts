import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "./db";
import {
  categoryExamples,
  conversationEvents,
  privacySettings,
  conversations,
  conversationTriage,
  messages,
  ticketEvents,
  tickets,
  voiceCalls,
  emailMessages,
  whatsappContacts,
  whatsappMessages,
} from "./schema";

/** How a visitor is found: any one of these identifies the conversations held about them. */
export type VisitorSubject = { email: string } | { phone: string } | { userId: string } | { conversationId: string };

/** Conversations matched per request (export and erase work on this many at most). */
export const MAX_SUBJECT_CONVERSATIONS = 500;
/** D1 binds at most 100 parameters per statement: id lists are chunked below that. */
const CHUNK = 90;

export function chunks<T>(xs: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

function subjectWhere(s: VisitorSubject) {
  if ("conversationId" in s) return eq(conversations.id, s.conversationId);
  // the visitor JSON column; emails compare case-insensitively (the widget stores what was typed)
  if ("email" in s) return sql`lower(json_extract(${conversations.visitor}, '$.email')) = ${s.email.toLowerCase()}`;
  if ("phone" in s) return sql`json_extract(${conversations.visitor}, '$.phone') = ${s.phone}`;
  return sql`json_extract(${conversations.visitor}, '$.userId') = ${s.userId} and json_extract(${conversations.visitor}, '$.verified') = 1`;
}

/** Everything D1 holds about a set of conversations, tenant-scoped in every WHERE. */
export const privacyRepo = (db: Db) => ({
  conversationsOf: (tenantId: string, s: VisitorSubject) =>
    db
      .select()
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), subjectWhere(s)))
      .orderBy(asc(conversations.createdAt))
      .limit(MAX_SUBJECT_CONVERSATIONS)
      .all(),
  /** Conversations with no activity since `cutoff` (retention), least recent first. */
  conversationsIdleSince: (tenantId: string, cutoff: Date, limit: number) =>
    db
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), sql`${conversations.updatedAt} < ${cutoff.getTime()}`))
      .orderBy(asc(conversations.updatedAt))
      .limit(limit)
      .all(),
  /** Visible and internal message rows per conversation. */
  messageCounts: (tenantId: string, ids: string[]) =>
    db
      .select({ conversationId: messages.conversationId, n: sql<number>`count(*)` })
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), inArray(messages.conversationId, ids)))
      .groupBy(messages.conversationId)
      .all(),
  messagesOf: (tenantId: string, ids: string[]) =>
    db
      .select()
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), inArray(messages.conversationId, ids)))
      .orderBy(asc(messages.conversationId), asc(messages.seq))
      .all(),
  ticketsOf: (tenantId: string, ids: string[]) =>
    db
      .select()
      .from(tickets)
      .where(and(eq(tickets.tenantId, tenantId), inArray(tickets.conversationId, ids)))
      .all(),
  ticketEventsOf: (tenantId: string, ticketIds: string[]) =>
    db
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.tenantId, tenantId), inArray(ticketEvents.ticketId, ticketIds)))
      .all(),
  triageOf: (tenantId: string, ids: string[]) =>
    db
      .select()
      .from(conversationTriage)
      .where(and(eq(conversationTriage.tenantId, tenantId), inArray(conversationTriage.conversationId, ids)))
      .all(),
  callsOf: (tenantId: string, ids: string[]) =>
    db
      .select()
      .from(voiceCalls)
      .where(and(eq(voiceCalls.tenantId, tenantId), inArray(voiceCalls.conversationId, ids)))
      .all(),
  settings: (tenantId: string) => db.select().from(privacySettings).where(eq(privacySettings.tenantId, tenantId)).get(),
  putSettings: (
    tenantId: string,
    days: { conversationRetentionDays: number | null; recordingRetentionDays: number | null },
    now: Date,
  ) =>
    db
      .insert(privacySettings)
      .values({ tenantId, ...days, updatedAt: now })
      .onConflictDoUpdate({ target: privacySettings.tenantId, set: { ...days, updatedAt: now } })
      .returning()
      .get(),
  /** A workspace's calls whose recording is older than `cutoff` (by the call's start), oldest first. */
  recordingsBefore: (tenantId: string, cutoff: Date, limit: number) =>
    db
      .select({ id: voiceCalls.id, recordingKey: voiceCalls.recordingKey })
      .from(voiceCalls)
      .where(
        and(
          eq(voiceCalls.tenantId, tenantId),
          sql`${voiceCalls.recordingKey} is not null`,
          sql`coalesce(${voiceCalls.startedAt}, ${voiceCalls.createdAt}) < ${cutoff.getTime()}`,
        ),
      )
      .orderBy(asc(voiceCalls.createdAt))
      .limit(limit)
      .all(),
  /** The call keeps its row and transcript; only its recording is gone. */
  clearRecordingsStmt: (tenantId: string, callIds: string[]) =>
    db
      .update(voiceCalls)
      .set({ recordingKey: null })
      .where(and(eq(voiceCalls.tenantId, tenantId), inArray(voiceCalls.id, callIds))),
  /** Workspaces with a retention period, for the sweep. */
  withRetention: () =>
    db
      .select()
      .from(privacySettings)
      .where(
        sql`${privacySettings.conversationRetentionDays} is not null or ${privacySettings.recordingRetentionDays} is not null`,
      )
      .all(),
  /**
   * Deletes one chunk of conversations (ids ≤ CHUNK) and everything keyed by them, in one batch.
   * `ticketIds` are those conversations' tickets; `correctionTexts` the visitor words an operator's
   * relabelling copied into the category examples.
   */
  eraseStmts: (tenantId: string, ids: string[], ticketIds: string[], correctionTexts: string[]) => [
    db.delete(messages).where(and(eq(messages.tenantId, tenantId), inArray(messages.conversationId, ids))),
    ...chunks(ticketIds).map((t) =>
      db.delete(ticketEvents).where(and(eq(ticketEvents.tenantId, tenantId), inArray(ticketEvents.ticketId, t))),
    ),
    db.delete(tickets).where(and(eq(tickets.tenantId, tenantId), inArray(tickets.conversationId, ids))),
    db
      .delete(conversationTriage)
      .where(and(eq(conversationTriage.tenantId, tenantId), inArray(conversationTriage.conversationId, ids))),
    db.delete(voiceCalls).where(and(eq(voiceCalls.tenantId, tenantId), inArray(voiceCalls.conversationId, ids))),
    // analytics keep the anonymous counters (Intercom does the same) but not the visitor's words
    db
      .update(conversationEvents)
      .set({ data: sql`json_remove(${conversationEvents.data}, '$.question')` })
      .where(
        and(
          eq(conversationEvents.tenantId, tenantId),
          inArray(conversationEvents.conversationId, ids),
          sql`${conversationEvents.data} is not null`,
        ),
      ),
    // the channels' threading rows carry the visitor's address or phone number
    db
      .delete(emailMessages)
      .where(and(eq(emailMessages.tenantId, tenantId), inArray(emailMessages.conversationId, ids))),
    db
      .delete(whatsappContacts)
      .where(and(eq(whatsappContacts.tenantId, tenantId), inArray(whatsappContacts.conversationId, ids))),
    db
      .delete(whatsappMessages)
      .where(and(eq(whatsappMessages.tenantId, tenantId), inArray(whatsappMessages.conversationId, ids))),
    ...chunks(correctionTexts).map((t) =>
      db
        .delete(categoryExamples)
        .where(
          and(
            eq(categoryExamples.tenantId, tenantId),
            eq(categoryExamples.source, "correction"),
            inArray(categoryExamples.text, t),
          ),
        ),
    ),
    db.delete(conversations).where(and(eq(conversations.tenantId, tenantId), inArray(conversations.id, ids))),
  ],
});
