import { Conflict, Invalid } from "../../lib/errors";
import type { ConversationRow } from "../../storage/schema";
import { audit } from "../audit";
import { verifiedEmailOf } from "../commerce/orders";
import type { Ctx } from "../ctx";
import { getConversation, toConversationDto } from "../conversations/read";

/**
 * Cross-channel identity (issue 17). A visitor is named by one of their conversations (the
 * /api/visitors convention). An operator links two conversations as one contact's when they share a
 * verified email or phone: a WhatsApp contact's phone is verified by Meta, an email sender's
 * address by the mail channel, and a chat visitor's email only when the widget's identity hash signed
 * it — the verified user id is that email address (`verifiedEmailOf`, the rule the order look-up uses).
 * The hash signs `${userId}:${expiresAt}` only, so the email a page passes beside a valid hash for
 * another user id is the page's word, and a chat or voice visitor's phone is never proven (the widget
 * signs none; caller ID can be spoofed). Linking is explicit (never automatic), so an unverified
 * look-alike can never pull someone else's history into a conversation.
 */

type Identity = { emails: Set<string>; phones: Set<string> };

const normEmail = (e: string) => e.trim().toLowerCase();
const normPhone = (p: string) => p.replace(/\D/g, "");

/** The identifiers of a conversation's visitor that its channel verified. */
export function verifiedIdentity(c: Pick<ConversationRow, "channel" | "visitor">): Identity {
  const v = c.visitor ?? {};
  const out: Identity = { emails: new Set(), phones: new Set() };
  const email = v.email ? normEmail(v.email) : "";
  const phone = v.phone ? normPhone(v.phone) : "";
  if (c.channel === "whatsapp" && phone) out.phones.add(phone);
  else if (c.channel === "email" && email) out.emails.add(email);
  else {
    const proven = verifiedEmailOf(v);
    if (proven) out.emails.add(normEmail(proven));
  }
  return out;
}

function shared(a: Identity, b: Identity): string | null {
  for (const e of a.emails) if (b.emails.has(e)) return "email";
  for (const p of a.phones) if (p.length >= 6 && b.phones.has(p)) return "phone";
  return null;
}

export async function linkVisitors(ctx: Ctx, input: { conversationId: string; otherConversationId: string }) {
  if (input.conversationId === input.otherConversationId)
    throw new Invalid("a conversation cannot be linked to itself", [
      { path: "otherVisitorId", message: "must name another conversation" },
    ]);
  const a = await getConversation(ctx, input.conversationId);
  const b = await getConversation(ctx, input.otherConversationId);
  const by = shared(verifiedIdentity(a), verifiedIdentity(b));
  if (!by)
    throw new Conflict(
      "these visitors share no verified email or phone; only the same verified identity may be linked",
    );
  const repo = ctx.repos.contactLinks;
  const known = await repo.ofConversations(ctx.tenantId, [a.id, b.id]);
  const contactA = known.find((k) => k.conversationId === a.id)?.contactId;
  const contactB = known.find((k) => k.conversationId === b.id)?.contactId;
  const contactId = contactA ?? contactB ?? a.id;
  const members = new Set([a.id, b.id]);
  for (const c of [contactA, contactB])
    if (c && c !== contactId) for (const m of await repo.members(ctx.tenantId, c)) members.add(m.conversationId);
  const now = new Date(ctx.clock.now());
  const linkedBy = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  await repo
    .upsertStmt(
      [...members].map((conversationId) => ({
        tenantId: ctx.tenantId,
        conversationId,
        contactId,
        linkedBy,
        linkedAt: now,
      })),
    )
    .run();
  await audit(ctx, "visitor.linked", { type: "conversation", id: a.id }, { other: b.id, by });
  return {
    contactId,
    matchedBy: by,
    conversations: (await repo.members(ctx.tenantId, contactId)).map((m) => m.conversationId).sort(),
  };
}

/** The other conversations of this conversation's contact (every channel), newest first. */
export async function contactConversations(ctx: Ctx, conversationId: string) {
  const conv = await getConversation(ctx, conversationId);
  const [link] = await ctx.repos.contactLinks.ofConversations(ctx.tenantId, [conv.id]);
  if (!link) return { contactId: null, data: [] };
  const others = (await ctx.repos.contactLinks.members(ctx.tenantId, link.contactId)).filter(
    (m) => m.conversationId !== conv.id,
  );
  const rows = [];
  for (const m of others) {
    const row = await ctx.repos.conversations.get(ctx.tenantId, m.conversationId);
    if (row) rows.push(toConversationDto(row));
  }
  rows.sort((x, y) => String(y.lastMessageAt ?? y.createdAt).localeCompare(String(x.lastMessageAt ?? x.createdAt)));
  return { contactId: link.contactId, data: rows };
}
