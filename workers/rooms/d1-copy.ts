import type { Db } from "../storage/db";
import { conversationsRepo, messagesRepo } from "../storage/conversations-repo";
import { conversationTriageRepo } from "../storage/triage-repo";
import type { NewConversationRow, NewMessageRow } from "../storage/schema";
import type { MessageRecord, NoteRecord, RoomStore } from "./room-store";
import { usageStmts } from "../domain/billing/usage";
import type { RoomMeta, RoomState } from "./room-state";

/** Characters of the last message kept on the conversation row for inbox lists. */
export const PREVIEW_CHARS = 140;
/** Messages (and notes) per flush; a longer backlog flushes again at once. */
const FLUSH_BATCH = 200;

export const preview = (text: string) => (text.length <= PREVIEW_CHARS ? text : `${text.slice(0, PREVIEW_CHARS - 1)}…`);

export function messageRow(meta: RoomMeta, m: MessageRecord): NewMessageRow {
  return {
    id: m.id,
    tenantId: meta.tenantId,
    conversationId: meta.conversationId,
    seq: m.seq,
    role: m.role,
    text: m.text,
    sources: m.sources,
    cid: m.cid,
    attachments: m.attachments,
    internal: false,
    author: m.author,
    meta: m.meta,
    createdAt: new Date(m.createdAt),
  };
}

export function noteRow(meta: RoomMeta, n: NoteRecord): NewMessageRow {
  return {
    id: n.id,
    tenantId: meta.tenantId,
    conversationId: meta.conversationId,
    seq: n.afterSeq,
    role: "agent",
    text: n.text,
    sources: null,
    cid: n.cid,
    attachments: null,
    internal: true,
    author: n.author,
    meta: null,
    createdAt: new Date(n.createdAt),
  };
}

/** The conversation row as the room sees it now: channel data, hand-off reason and rating go in `meta`. */
export function conversationRow(meta: RoomMeta, state: RoomState, last: MessageRecord | undefined): NewConversationRow {
  return {
    id: meta.conversationId,
    tenantId: meta.tenantId,
    botId: meta.botId,
    channel: meta.channel,
    status: state.status,
    mode: state.mode,
    assigneeId: state.assignee?.userId ?? null,
    visitor: meta.visitor,
    lastMessageAt: last ? new Date(last.createdAt) : null,
    lastMessagePreview: last ? preview(last.text) : null,
    messageCount: last?.seq ?? 0,
    meta: {
      ...(state.reason ? { reason: state.reason } : {}),
      ...(state.assignee ? { assignee: state.assignee } : {}),
      ...(state.call ? { call: state.call } : {}),
      ...(state.rating ? { rating: state.rating } : {}),
      visitorReadSeq: state.visitorReadSeq,
    },
    createdAt: new Date(meta.createdAt),
    updatedAt: new Date(Math.max(state.changedAt || meta.createdAt, last?.createdAt ?? 0)),
    closedAt: state.closedAt ? new Date(state.closedAt) : null,
  };
}

/**
 * Copies what D1 lacks in one batch: messages after the flushed seq, unflushed notes, and the
 * conversation row, and the usage of its AI answers. Every statement is idempotent (insert-or-ignore by id, upsert by id), so a
 * flush that fails half-way or runs twice converges. Returns whether more work remains.
 */
export async function flushToD1(
  db: Db,
  store: RoomStore,
  meta: RoomMeta,
  state: RoomState,
): Promise<{ more: boolean }> {
  const from = store.flushedSeq();
  const msgs = store.messagesAfter(from, FLUSH_BATCH);
  const notes = store.unflushedNotes(FLUSH_BATCH);
  const row = conversationRow(meta, state, store.lastMessage());
  const live = {
    status: row.status,
    mode: row.mode,
    assigneeId: row.assigneeId,
    visitor: row.visitor,
    lastMessageAt: row.lastMessageAt,
    lastMessagePreview: row.lastMessagePreview,
    messageCount: row.messageCount,
    meta: row.meta,
    updatedAt: row.updatedAt,
    closedAt: row.closedAt,
  };
  const stmts = [
    ...messagesRepo(db).insertIgnoreStmts([
      ...msgs.map((m) => messageRow(meta, m)),
      ...notes.map((n) => noteRow(meta, n)),
    ]),
    conversationsRepo(db).upsertLiveStmt(row, live),
  ];
  // usage metering: every AI message is one AI answer, counted once by its id (issue 15); a flush
  // that runs twice finds the event recorded and adds nothing
  for (const m of msgs)
    if (m.role === "ai")
      stmts.push(
        ...(usageStmts(db, {
          tenantId: meta.tenantId,
          eventId: m.id,
          metric: "ai_answers",
          botId: meta.botId,
          quantity: 1,
          at: m.createdAt,
        }) as unknown as (typeof stmts)[number][]),
      );
  // the conversation's triage state, kept by the room, travels with the same batch
  const triage = store.triage();
  const triageRow = triage?.dirty ? triage.row : null;
  if (triageRow) stmts.push(conversationTriageRepo(db).liveUpsertStmt(triageRow) as unknown as (typeof stmts)[number]);
  await db.batch(stmts as unknown as Parameters<Db["batch"]>[0]);
  const last = msgs.at(-1);
  if (last) store.setFlushedSeq(last.seq);
  store.markNotesFlushed(notes.map((n) => n.id));
  // a newer triage row written meanwhile stays dirty
  if (triageRow && JSON.stringify(store.triage()?.row) === JSON.stringify(triageRow)) store.setTriage(triageRow, false);
  return { more: msgs.length === FLUSH_BATCH || notes.length === FLUSH_BATCH };
}
