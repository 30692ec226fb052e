import { Invalid, NotFound } from "../../lib/errors";
import { hasPrefix } from "../../lib/ids";
import type { ConversationRow, MessageRow } from "../../storage/schema";
import { actorId, type Ctx } from "../ctx";
import type { ConversationDto, ExportQuery, ListQuery, MessageDto, MessagesQuery } from "./schemas";

/** Reads come from the D1 copy (written by rooms within seconds), never by waking rooms. */

export function toConversationDto(c: ConversationRow): ConversationDto {
  return {
    id: c.id,
    botId: c.botId,
    channel: c.channel,
    status: c.status,
    mode: c.mode,
    assigneeId: c.assigneeId,
    visitor: c.visitor,
    lastMessageAt: c.lastMessageAt?.toISOString() ?? null,
    lastMessagePreview: c.lastMessagePreview,
    messageCount: c.messageCount,
    lastSeq: c.messageCount,
    meta: c.meta,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    closedAt: c.closedAt?.toISOString() ?? null,
  };
}

export function toMessageDto(m: MessageRow): MessageDto {
  return {
    id: m.id,
    seq: m.seq,
    role: m.role,
    text: m.text,
    at: m.createdAt.toISOString(),
    cid: m.cid,
    sources: m.sources,
    attachments: m.attachments,
    internal: m.internal,
    author: m.author,
  };
}

/** Cursor = base64url of `${updatedAtMs}.${id}` of the last row of the previous page. */
const encodeCursor = (c: ConversationRow) =>
  btoa(`${c.updatedAt.getTime()}.${c.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
function decodeCursor(cursor: string): { updatedAt: number; id: string } {
  try {
    const [t, id] = atob(cursor.replace(/-/g, "+").replace(/_/g, "/")).split(".");
    if (t && id && /^\d+$/.test(t) && hasPrefix(id, "conv")) return { updatedAt: Number(t), id };
  } catch {}
  throw new Invalid("cursor is malformed", [{ path: "cursor", message: "use the nextCursor of a previous page" }]);
}

export async function listConversations(ctx: Ctx, q: ListQuery) {
  const assigneeId = q.assignee === "none" ? null : q.assignee === "me" ? actorId(ctx.actor) : q.assignee;
  const rows = await ctx.repos.conversations.list(ctx.tenantId, {
    status: q.status,
    mode: q.mode,
    botId: q.botId,
    assigneeId,
    includeEmpty: q.includeEmpty === "true",
    after: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return { data: page.map(toConversationDto), nextCursor: rows.length > q.limit ? encodeCursor(page.at(-1)!) : null };
}

export async function getConversation(ctx: Ctx, id: string): Promise<ConversationRow> {
  const conv = hasPrefix(id, "conv") ? await ctx.repos.conversations.get(ctx.tenantId, id) : undefined;
  if (!conv) throw new NotFound("conversation", id);
  return conv;
}

/** Messages in seq order; a page never splits the notes that share a seq with their message. */
export async function listMessages(ctx: Ctx, id: string, q: MessagesQuery) {
  await getConversation(ctx, id);
  const after = q.cursor !== undefined ? Number(q.cursor) : q.afterSeq;
  const rows = await ctx.repos.messages.list(ctx.tenantId, id, {
    afterSeq: after,
    limit: q.limit + 1,
    includeInternal: q.includeNotes === "true",
  });
  let page = rows.slice(0, q.limit);
  let nextCursor: string | null = null;
  if (rows.length > q.limit) {
    const lastSeq = page.at(-1)!.seq;
    const whole = rows[q.limit]!.seq !== lastSeq ? page : page.filter((m) => m.seq !== lastSeq);
    page = whole.length ? whole : page;
    nextCursor = String(page.at(-1)!.seq);
  }
  return { data: page.map(toMessageDto), nextCursor };
}

const ROLE_LABEL: Record<MessageRow["role"], string> = {
  visitor: "Visitor",
  ai: "AI",
  agent: "Agent",
  system: "System",
};

/** The whole transcript as JSON or plain text (one `[time] Who: text` line per message). */
export async function exportTranscript(ctx: Ctx, id: string, q: ExportQuery) {
  const conv = await getConversation(ctx, id);
  const all: MessageRow[] = [];
  for (let after: number | undefined = undefined; ;) {
    const rows = await ctx.repos.messages.list(ctx.tenantId, id, {
      afterSeq: after,
      limit: 1000,
      includeInternal: q.includeNotes === "true",
    });
    all.push(...rows);
    if (rows.length < 1000) break;
    after = rows.at(-1)!.seq;
    if (rows[0]!.seq === after) continue;
    // a seq group cut at the page end is re-read whole on the next page
    while (all.at(-1)?.seq === after) all.pop();
    after -= 1;
  }
  if (q.format === "json")
    return { kind: "json" as const, body: { conversation: toConversationDto(conv), messages: all.map(toMessageDto) } };
  const lines = all.map((m) => {
    const who = m.internal
      ? `Note (${m.author?.name ?? "agent"})`
      : m.role === "agent" && m.author
        ? `Agent (${m.author.name})`
        : ROLE_LABEL[m.role];
    const files = m.attachments?.length ? ` [attachments: ${m.attachments.map((a) => a.name).join(", ")}]` : "";
    return `[${m.createdAt.toISOString()}] ${who}: ${m.text}${files}`;
  });
  const header = `Conversation ${conv.id} (bot ${conv.botId}, ${conv.channel}, ${conv.status})\nStarted ${conv.createdAt.toISOString()}\n\n`;
  return { kind: "text" as const, body: `${header}${lines.join("\n")}\n` };
}
