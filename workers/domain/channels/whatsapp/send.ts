import { Conflict, Invalid, NotFound } from "../../../lib/errors";
import type { StoredMessage } from "../../../contracts/room-rpc";
import type { AnswerCtx } from "../../knowledge/answer-types";
import type { Ctx } from "../../ctx";
import { getConversation } from "../../conversations/read";
import { recordChannelMessage } from "../../billing/channel-usage";
import { operatorName } from "../../conversations/sockets";
import { openWhatsAppSecrets } from "./channels";
import { sendGraphMessage, type GraphTemplate } from "./graph";
import { MAX_WHATSAPP_TEXT, type TemplateInput } from "./schemas";

/** WhatsApp's customer-service window (next-wave.md §3.2): free-form only this long after the contact's last message. */
export const WINDOW_MS = 24 * 60 * 60 * 1000;

async function contactOf(ctx: AnswerCtx | Ctx, conversationId: string) {
  const repo = ctx.repos.whatsapp;
  const contact = await repo.contactOfConversation(ctx.tenantId, conversationId);
  const channel = contact ? await repo.channel(ctx.tenantId, contact.channelId) : undefined;
  return contact && channel ? { contact, channel } : undefined;
}

/**
 * Sends an ai or agent message of a WhatsApp conversation as free-form text, only inside the
 * 24-hour window (the room refuses an agent's message outside it; an AI answer to an old message
 * is kept for operators and not sent). The wamid is stored for delivery receipts.
 */
export async function sendWhatsAppReply(ctx: AnswerCtx, input: { conversationId: string; message: StoredMessage }) {
  const found = await contactOf(ctx, input.conversationId);
  if (!found) return { sent: false as const, reason: "no WhatsApp contact for this conversation" };
  if (ctx.clock.now() - found.contact.lastInboundAt.getTime() >= WINDOW_MS)
    return { sent: false as const, reason: "the 24-hour window is closed; only a template may be sent" };
  const secrets = await openWhatsAppSecrets(ctx, found.channel);
  const { wamid } = await sendGraphMessage(ctx, found.channel, secrets, found.contact.waId, {
    type: "text",
    text: { preview_url: false, body: input.message.text.slice(0, MAX_WHATSAPP_TEXT) },
  });
  await ctx.repos.whatsapp.insertMessage({
    wamid,
    channelId: found.channel.id,
    tenantId: ctx.tenantId,
    conversationId: input.conversationId,
    direction: "out",
    status: "sent",
    sentAt: new Date(ctx.clock.now()),
    messageId: input.message.id,
  });
  return { sent: true as const, wamid };
}

/**
 * An operator sends an approved template (the only message allowed outside the window). It goes
 * out first; then it is stored in the conversation as the agent's message, marked delivered so the
 * room does not send it again as free-form text.
 */
export async function sendWhatsAppTemplate(ctx: Ctx, conversationId: string, input: TemplateInput) {
  const conv = await getConversation(ctx, conversationId);
  const found = await contactOf(ctx, conv.id);
  if (!found) throw new NotFound("WhatsApp conversation", conversationId);
  const snap = await ctx.rooms.conversation(ctx.tenantId, conv.id).snapshot();
  if (snap.mode === "closed") throw new Conflict("the conversation is closed");
  const tpl = normalizeTemplate(input);
  const synced = await ctx.repos.whatsapp.templates(ctx.tenantId, found.channel.id);
  // once the channel's templates were synced, only one of them may be sent (Meta refuses others anyway)
  if (synced.length && !synced.some((t) => t.name === tpl.name && t.language === tpl.language.code))
    throw new Invalid(`${tpl.name} (${tpl.language.code}) is not among the channel's approved templates`, [
      { path: "template.name", message: "not an approved template of this number; sync the list and pick one" },
    ]);
  const secrets = await openWhatsAppSecrets(ctx, found.channel);
  const { wamid } = await sendGraphMessage(ctx, found.channel, secrets, found.contact.waId, {
    type: "template",
    template: tpl,
  });
  await ctx.repos.whatsapp.insertMessage({
    wamid,
    channelId: found.channel.id,
    tenantId: ctx.tenantId,
    conversationId: conv.id,
    direction: "out",
    status: "sent",
    sentAt: new Date(ctx.clock.now()),
  });
  const params = (tpl.components ?? []).flatMap((c) => c.parameters.flatMap((p) => (p.text ? [p.text] : [])));
  const text = `[template ${tpl.name}]${params.length ? ` ${params.join(" · ")}` : ""}`;
  const message = await ctx.rooms.conversation(ctx.tenantId, conv.id).appendMessage({
    role: "agent",
    text,
    cid: `tpl:${wamid.slice(-48)}`,
    // the sender is a person: the template counts as their reply (analytics, the conversation's assignee)
    author: await operatorName(ctx, ctx.actor),
    meta: { channel: "whatsapp", delivered: true, template: tpl.name, wamid },
  });
  await ctx.repos.whatsapp.setMessageId(ctx.tenantId, found.channel.id, wamid, message.id);
  // stored as delivered, so the room's delivery (which meters outbound messages) skips it: counted here
  await recordChannelMessage(ctx, {
    tenantId: ctx.tenantId,
    botId: conv.botId,
    channel: "whatsapp",
    messageId: message.id,
    at: ctx.clock.now(),
  });
  return { wamid, messageId: message.id };
}

/** Both input shapes as the official payload: `{ name, language: { policy, code }, components? }`. */
function normalizeTemplate(input: TemplateInput): GraphTemplate {
  if ("template" in input) {
    const t = input.template;
    const code = typeof t.language === "string" ? t.language : t.language.code;
    return {
      name: t.name,
      language: { policy: "deterministic", code },
      ...(t.components?.length ? { components: t.components } : {}),
    };
  }
  const params = input.parameters ?? [];
  return {
    name: input.name,
    language: { policy: "deterministic", code: input.language },
    ...(params.length
      ? { components: [{ type: "body" as const, parameters: params.map((text) => ({ type: "text" as const, text })) }] }
      : {}),
  };
}
