import type { Repos } from "../storage/repos";
import type { AnalyticsEvent } from "./room-analytics";
import type { NewConversationEventRow, NewConversationRow, NewMessageRow } from "../storage/schema";
import type { MessageRecord, NoteRecord, RoomStore } from "./room-store";
import { initialState, type RoomMeta, type RoomState } from "./room-state";
import { modelUsageStmts, usageStmts } from "../domain/billing/usage";
import { channelMessageStmts, isMeteredChannel } from "../domain/billing/channel-usage";

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

export function eventRow(meta: RoomMeta, e: AnalyticsEvent): NewConversationEventRow {
  return {
    id: `${meta.conversationId}:${e.key}`,
    tenantId: meta.tenantId,
    conversationId: meta.conversationId,
    botId: meta.botId,
    channel: meta.channel,
    kind: e.kind,
    actor: e.actor,
    actorId: e.actorId,
    at: e.at,
    valueMs: e.valueMs,
    data: e.data,
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
 * Copies what D1 lacks in one batch: messages after the flushed seq, unflushed notes, analytics
 * events, the usage of its AI answers, and the conversation row. Every statement is idempotent (insert-or-ignore by id, upsert by id), so a
 * flush that fails half-way or runs twice converges. Returns whether more work remains.
 */
export async function flushToD1(
  repos: Repos,
  store: RoomStore,
  meta: RoomMeta,
  state: RoomState,
): Promise<{ more: boolean; aiAnswers: number }> {
  const from = store.flushedSeq();
  const msgs = store.messagesAfter(from, FLUSH_BATCH);
  const notes = store.unflushedNotes(FLUSH_BATCH);
  const events = store.unflushedEvents(FLUSH_BATCH);
  const tail = msgs.at(-1);
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
    ...repos.messages.insertIgnoreStmts([
      ...msgs.map((m) => messageRow(meta, m)),
      ...notes.map((n) => noteRow(meta, n)),
    ]),
    repos.conversations.upsertLiveStmt(row, live),
  ];
  // analytics events ride in the same batch: no extra round trip per message (room-d1-trips.test.ts)
  stmts.push(...(repos.analytics.insertIgnoreStmts(events.map((e) => eventRow(meta, e))) as unknown as typeof stmts));
  // usage metering: every AI message is one AI answer, counted once by its id (issue 15); a flush
  // that runs twice finds the event recorded and adds nothing
  for (const m of msgs)
    if (m.role === "ai")
      stmts.push(
        ...(usageStmts(repos, {
          tenantId: meta.tenantId,
          eventId: m.id,
          metric: "ai_answers",
          botId: meta.botId,
          quantity: 1,
          at: m.createdAt,
        }) as unknown as (typeof stmts)[number][]),
      );
  // an inbound email or WhatsApp message is one channel message, counted once by its id in the same
  // batch (outbound ones are counted when the provider accepts them: domain/channels/deliver.ts)
  const channel = meta.channel;
  if (isMeteredChannel(channel))
    for (const m of msgs)
      if (m.role === "visitor")
        stmts.push(
          ...(channelMessageStmts(repos, {
            tenantId: meta.tenantId,
            botId: meta.botId,
            channel,
            messageId: m.id,
            at: m.createdAt,
          }) as unknown as (typeof stmts)[number][]),
        );
  // the tokens a provider billed for an AI message ride its `ai_answered` event: priced per model, once per message id
  for (const e of events) {
    const d = e.data;
    if (e.kind !== "ai_answered" || !e.key.startsWith("ai:") || !d) continue;
    const [inputTokens, outputTokens] = [Number(d.inputTokens ?? 0), Number(d.outputTokens ?? 0)];
    if (!(inputTokens > 0 || outputTokens > 0)) continue;
    const model = typeof d.provider === "string" ? d.provider : "unknown";
    const u = { tenantId: meta.tenantId, eventId: e.key.slice(3), botId: meta.botId, at: e.at };
    stmts.push(
      ...(modelUsageStmts(repos, {
        ...u,
        model,
        inputTokens,
        outputTokens,
        channel,
      }) as unknown as (typeof stmts)[number][]),
    );
  }
  // the conversation's triage state, kept by the room, travels with the same batch
  const triage = store.triage();
  const triageRow = triage?.dirty ? triage.row : null;
  if (triageRow) stmts.push(repos.conversationTriage.liveUpsertStmt(triageRow) as unknown as (typeof stmts)[number]);
  await repos.batch(stmts as unknown as Parameters<Repos["batch"]>[0]);
  if (tail) store.setFlushedSeq(tail.seq);
  store.markNotesFlushed(notes.map((n) => n.id));
  store.markEventsFlushed(events.map((e) => e.key));
  // a newer triage row written meanwhile stays dirty
  if (triageRow && JSON.stringify(store.triage()?.row) === JSON.stringify(triageRow)) store.setTriage(triageRow, false);
  return {
    more: msgs.length === FLUSH_BATCH || notes.length === FLUSH_BATCH || events.length === FLUSH_BATCH,
    aiAnswers: msgs.filter((m) => m.role === "ai").length,
  };
}

/**
 * A new conversation's D1 row, written before anyone is told the conversation exists (session
 * resume checks it); idempotent, so a retried init cannot duplicate it.
 */
export async function insertConversation(repos: Repos, meta: RoomMeta & { visitorKeyHash?: string | null }) {
  const row = conversationRow(meta, initialState(meta.createdAt), undefined);
  await repos.conversations.insertIfAbsentStmt({ ...row, visitorKeyHash: meta.visitorKeyHash ?? null }).run();
}
