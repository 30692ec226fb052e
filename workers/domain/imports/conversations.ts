import { Invalid, NotFound } from "../../lib/errors";
import { sha256Hex } from "../../lib/crypto";
import { newId } from "../../lib/ids";
import type {
  NewConversationEventRow,
  NewConversationRow,
  NewImportRecordRow,
  NewMessageRow,
} from "../../storage/schema";
import { audit } from "../audit";
import type { Ctx } from "../ctx";
import { readCsvFile, refuseRows } from "./file";
import { readRows, type ImportedConversation } from "./rows";
import { MAX_IMPORT_ROWS, MAX_REPORTED_ERRORS, type ImportQuery, type ConversationsImportReport } from "./schemas";

/**
 * POST /api/imports (seed 004): past conversations from another tool, one CSV row per message
 * (columns in schemas.ts). The whole file is read and every row validated before anything is
 * written. Policy: by default one refused row refuses the file (400 listing the refused rows by
 * CSV row number, nothing written); with `partial=true` a conversation holding a refused row is
 * skipped whole and the rest imported, the report listing what was refused.
 *
 * Imported conversations land closed (status and mode `closed`) in the D1 copy the inbox lists and
 * searches (messages_fts follows `messages` by trigger), with `opened`/reply/`resolved` events so
 * analytics count them. Idempotent: a conversation_id imported before is skipped, and ids are
 * derived from the tenant and the external id, so even two imports racing write each row once.
 * Each batch holds whole conversations, so a failure mid-file leaves whole conversations and a
 * re-run completes the rest.
 */
const CONVERSATIONS_PER_BATCH = 40;
const PREVIEW_CHARS = 140;

const preview = (t: string) => (t.length <= PREVIEW_CHARS ? t : `${t.slice(0, PREVIEW_CHARS - 1)}…`);

async function resolveBot(ctx: Ctx, botId: string | undefined) {
  if (botId) {
    const bot = await ctx.repos.bots.get(ctx.tenantId, botId);
    if (!bot) throw new NotFound("bot", botId);
    return bot.id;
  }
  const first = (await ctx.repos.bots.list(ctx.tenantId))[0];
  if (!first) throw new Invalid("the workspace has no bot to file the conversations under");
  return first.id;
}

export async function importConversations(
  ctx: Ctx,
  input: { csv: string; bytes: number; query: ImportQuery },
): Promise<ConversationsImportReport> {
  const { records, header } = readCsvFile(input, MAX_IMPORT_ROWS);
  const botId = await resolveBot(ctx, input.query.botId);
  const read = readRows(records, header, ctx.clock.now());
  if (read.errors.length && !input.query.partial) refuseRows(read.errors, read.refusedRows);
  const existing = await ctx.repos.imports.existing(
    ctx.tenantId,
    "conversation",
    read.conversations.map((c) => c.externalId),
  );
  const fresh = read.conversations.filter((c) => !existing.has(c.externalId));
  let messages = 0;
  for (const c of fresh) messages += c.messages.length;
  if (!input.query.dryRun) {
    for (let i = 0; i < fresh.length; i += CONVERSATIONS_PER_BATCH)
      await writeBatch(ctx, botId, fresh.slice(i, i + CONVERSATIONS_PER_BATCH));
    if (fresh.length)
      await audit(ctx, "conversations.imported", null, {
        conversations: fresh.length,
        messages,
        skipped: existing.size,
        refusedRows: read.refusedRows,
      });
  }
  return {
    type: "conversations",
    dryRun: input.query.dryRun,
    rows: records.length - 1,
    conversations: { imported: fresh.length, skipped: existing.size, refused: read.refused },
    messages,
    refusedRows: read.refusedRows,
    errors: read.errors.slice(0, MAX_REPORTED_ERRORS),
    ignoredColumns: header.ignored,
  };
}

async function writeBatch(ctx: Ctx, botId: string, convs: ImportedConversation[]) {
  const conversations: NewConversationRow[] = [];
  const messages: NewMessageRow[] = [];
  const events: NewConversationEventRow[] = [];
  const records: NewImportRecordRow[] = [];
  const now = new Date(ctx.clock.now());
  for (const c of convs) {
    const rows = rowsOf(ctx, botId, c, await sha256Hex(`${ctx.tenantId}|conversation|${c.externalId}`));
    conversations.push(rows.conversation);
    messages.push(...rows.messages);
    events.push(...rows.events);
    records.push({
      tenantId: ctx.tenantId,
      kind: "conversation",
      externalId: c.externalId,
      targetId: rows.conversation.id,
      importId: ctx.requestId,
      createdAt: now,
    });
  }
  const stmts = [
    ...conversations.map((r) => ctx.repos.conversations.insertIfAbsentStmt(r)),
    ...ctx.repos.messages.insertIgnoreStmts(messages),
    ...ctx.repos.analytics.insertIgnoreStmts(events),
    ...ctx.repos.imports.recordStmts(records, "ignore"),
  ];
  const [first, ...rest] = stmts;
  if (first) await ctx.repos.batch([first, ...rest]);
}

/** The D1 rows of one closed past conversation; ids derive from `seed` (tenant + external id). */
function rowsOf(ctx: Ctx, botId: string, c: ImportedConversation, seed: string) {
  // messages in time order; rows of one instant keep their file order (the sort is stable)
  const msgs = [...c.messages].sort((a, b) => a.at - b.at);
  const firstAt = msgs[0]!.at;
  const last = msgs[msgs.length - 1]!;
  const time = (ms: number) => newId("conv", ms).slice(5, 15);
  const id = `conv_${time(firstAt)}${seed.slice(0, 16)}` as const;
  const conversation: NewConversationRow = {
    id,
    tenantId: ctx.tenantId,
    botId,
    channel: c.channel,
    status: "closed",
    mode: "closed",
    visitor: {
      ...(c.visitorName ? { name: c.visitorName } : {}),
      ...(c.visitorEmail ? { email: c.visitorEmail } : {}),
    },
    lastMessageAt: new Date(last.at),
    lastMessagePreview: preview(last.text),
    messageCount: msgs.length,
    meta: { imported: { externalId: c.externalId, importId: ctx.requestId } },
    createdAt: new Date(firstAt),
    updatedAt: new Date(last.at),
    closedAt: new Date(last.at),
  };
  const messages: NewMessageRow[] = msgs.map((m, i) => ({
    id: `msg_${time(m.at)}${seed.slice(16, 28)}${(i + 1).toString(32).padStart(4, "0")}`,
    tenantId: ctx.tenantId,
    conversationId: id,
    seq: i + 1,
    role: m.role,
    text: m.text,
    internal: false,
    ...(m.role === "agent" && m.authorName ? { author: { userId: "imported", name: m.authorName } } : {}),
    meta: { imported: true },
    createdAt: new Date(m.at),
  }));
  return { conversation, messages, events: eventsOf(botId, id, c.channel, msgs, ctx.tenantId) };
}

/** Analytics events as a room would have written them: opened, replies, resolved at the last message. */
function eventsOf(
  botId: string,
  conversationId: string,
  channel: string,
  msgs: ImportedConversation["messages"],
  tenantId: string,
): NewConversationEventRow[] {
  const base = { tenantId, conversationId, botId, channel };
  const firstAt = msgs[0]!.at;
  const lastAt = msgs[msgs.length - 1]!.at;
  const out: NewConversationEventRow[] = [
    { ...base, id: `${conversationId}:opened`, kind: "opened", actor: "visitor", at: firstAt, valueMs: 0 },
  ];
  let waitingSince: number | null = null;
  let replied = false;
  msgs.forEach((m, i) => {
    const key = `${conversationId}:imported:${i + 1}`;
    if (m.role === "visitor") waitingSince ??= m.at;
    if (m.role === "ai")
      out.push({ ...base, id: `${key}:ai`, kind: "ai_answered", actor: "ai", at: m.at, data: { imported: true } });
    if (m.role !== "agent") return;
    if (!replied)
      out.push({
        ...base,
        id: `${conversationId}:first_reply:0`,
        kind: "agent_first_reply",
        actor: "agent",
        at: m.at,
        valueMs: m.at - firstAt,
        data: { from: "opened" },
      });
    out.push({
      ...base,
      id: `${key}:reply`,
      kind: "agent_reply",
      actor: "agent",
      at: m.at,
      valueMs: waitingSince !== null ? m.at - waitingSince : null,
    });
    replied = true;
    waitingSince = null;
  });
  out.push({
    ...base,
    id: `${conversationId}:resolved:0`,
    kind: "resolved",
    actor: "system",
    at: lastAt,
    valueMs: lastAt - firstAt,
    data: { by: "system", reason: "imported", replied },
  });
  return out;
}
