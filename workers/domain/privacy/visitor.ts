import type { FilesPort } from "../../contracts/ports";
import { NotFound } from "../../lib/errors";
import { chunks, type VisitorSubject } from "../../storage/privacy-repo";
import type { ConversationRow, MessageRow } from "../../storage/schema";
import { audit } from "../audit";
import type { Ctx } from "../ctx";
import { attachmentPrefix, eraseConversations, recordingPrefix } from "./erase";
import type { ErasedCounts, PrivacySubject } from "./schemas";

/** Conversation ids named in one audit entry's targets (the counts carry the rest). */
const MAX_AUDIT_TARGETS = 50;

function subjectOf(s: PrivacySubject): VisitorSubject {
  if (s.email !== undefined) return { email: s.email };
  if (s.phone !== undefined) return { phone: s.phone };
  if (s.userId !== undefined) return { userId: s.userId };
  return { conversationId: s.conversationId as string };
}

/** How the visitor was found, without the identifier itself: the receipt outlives the data. */
const subjectKind = (s: PrivacySubject) => Object.keys(s)[0] ?? "unknown";

/** The visitor's conversations in this tenant; none (or another tenant's) is 404. */
async function conversationsOf(ctx: Ctx, s: PrivacySubject): Promise<ConversationRow[]> {
  const found = await ctx.repos.privacy.conversationsOf(ctx.tenantId, subjectOf(s));
  if (!found.length) throw new NotFound("visitor", subjectKind(s));
  return found;
}

type ExportedMessage = { id: string; seq: number; role: string; text: string; at: string; attachments?: unknown };

/** The D1 copy merged with the room's own log: messages not yet copied to D1 come from the room. */
async function messagesOf(ctx: Ctx, conv: ConversationRow, d1: MessageRow[]): Promise<ExportedMessage[]> {
  const byId = new Map<string, ExportedMessage>();
  for (const m of d1.filter((x) => !x.internal))
    byId.set(m.id, {
      id: m.id,
      seq: m.seq,
      role: m.role,
      text: m.text,
      at: m.createdAt.toISOString(),
      ...(m.attachments ? { attachments: m.attachments } : {}),
    });
  const live = await ctx.rooms
    .conversation(ctx.tenantId, conv.id)
    .messages(0, 5000)
    .catch(() => []); // an uninitialised room holds nothing
  for (const m of live)
    if (!byId.has(m.id))
      byId.set(m.id, {
        id: m.id,
        seq: m.seq,
        role: m.role,
        text: m.text,
        at: m.at,
        ...(m.attachments ? { attachments: m.attachments } : {}),
      });
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

async function filesUnder(files: FilesPort, prefix: string) {
  const page = await files.list({ prefix, limit: 1000 });
  return page.objects.map((o) => ({ key: o.key, size: o.size, uploadedAt: o.uploaded.toISOString() }));
}

/**
 * POST /api/privacy/export: everything held about a visitor as one JSON document: conversations
 * with their messages (D1 copy plus the room's log), rating, tickets and their history, triage,
 * calls with summaries and recording references, and the attachment list. Operators' private notes
 * are not part of it. Audited as `privacy.exported`.
 */
export async function exportVisitorData(ctx: Ctx, s: PrivacySubject) {
  const convs = await conversationsOf(ctx, s);
  const repo = ctx.repos.privacy;
  const ids = convs.map((c) => c.id);
  const [msgs, tickets, triage, calls] = [[], [], [], []] as [
    MessageRow[],
    Awaited<ReturnType<typeof repo.ticketsOf>>,
    Awaited<ReturnType<typeof repo.triageOf>>,
    Awaited<ReturnType<typeof repo.callsOf>>,
  ];
  for (const part of chunks(ids)) {
    msgs.push(...(await repo.messagesOf(ctx.tenantId, part)));
    tickets.push(...(await repo.ticketsOf(ctx.tenantId, part)));
    triage.push(...(await repo.triageOf(ctx.tenantId, part)));
    calls.push(...(await repo.callsOf(ctx.tenantId, part)));
  }
  const events: Awaited<ReturnType<typeof repo.ticketEventsOf>> = [];
  for (const part of chunks(tickets.map((t) => t.id))) events.push(...(await repo.ticketEventsOf(ctx.tenantId, part)));
  const conversations = [];
  for (const c of convs) {
    const convCalls = calls.filter((x) => x.conversationId === c.id);
    conversations.push({
      id: c.id,
      botId: c.botId,
      channel: c.channel,
      status: c.status,
      visitor: c.visitor,
      createdAt: c.createdAt.toISOString(),
      closedAt: c.closedAt?.toISOString() ?? null,
      rating: c.meta.rating ?? null,
      messages: await messagesOf(
        ctx,
        c,
        msgs.filter((m) => m.conversationId === c.id),
      ),
      attachments: await filesUnder(ctx.services.files, attachmentPrefix(ctx.tenantId, c.id)),
      tickets: tickets
        .filter((t) => t.conversationId === c.id)
        .map((t) => ({ ...t, events: events.filter((e) => e.ticketId === t.id) })),
      triage: triage.find((t) => t.conversationId === c.id) ?? null,
      calls: await Promise.all(
        convCalls.map(async (call) => ({
          ...call,
          recordings: await filesUnder(ctx.services.files, recordingPrefix(ctx.tenantId, call.id)),
        })),
      ),
    });
  }
  await audit(
    ctx,
    "privacy.exported",
    ids.slice(0, MAX_AUDIT_TARGETS).map((id) => ({ type: "conversation", id })),
    { by: subjectKind(s), conversations: ids.length },
  );
  return { exportedAt: new Date(ctx.clock.now()).toISOString(), tenantId: ctx.tenantId, conversations };
}

/** POST /api/privacy/erase: erases the visitor's conversations everywhere; the audit entry is the receipt. */
export async function eraseVisitorData(ctx: Ctx, s: PrivacySubject): Promise<{ erased: ErasedCounts }> {
  const ids = (await conversationsOf(ctx, s)).map((c) => c.id);
  const erased = await eraseConversations(ctx, ctx.tenantId, ids);
  await audit(
    ctx,
    "privacy.erased",
    ids.slice(0, MAX_AUDIT_TARGETS).map((id) => ({ type: "conversation", id })),
    { by: subjectKind(s), ...erased },
  );
  return { erased };
}

/**
 * The visitor behind one conversation, for "export / erase this visitor" from the inbox: a verified
 * user id when the widget proved one, else the email they gave, else just that conversation.
 */
export async function subjectOfConversation(ctx: Ctx, conversationId: string): Promise<PrivacySubject> {
  const [conv] = await ctx.repos.privacy.conversationsOf(ctx.tenantId, { conversationId });
  if (!conv) throw new NotFound("conversation", conversationId);
  if (conv.visitor.verified && conv.visitor.userId) return { userId: conv.visitor.userId };
  if (conv.visitor.email) return { email: conv.visitor.email };
  return { conversationId };
}
