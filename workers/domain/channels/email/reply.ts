import { newId } from "../../../lib/ids";
import type { StoredMessage } from "../../../contracts/room-rpc";
import type { AnswerCtx } from "../../knowledge/answer-types";
import { conversationReplyMail } from "../../mail/templates";
import { ensureEmailInbox } from "./inbox";
import { replySubject } from "./message";

/** Ids in a reply's References header (the first mail and the latest ones; RFC 5322 §3.6.4 allows trimming). */
const MAX_REFERENCES_SENT = 20;

/**
 * Sends an ai or agent message of an email conversation to its contact through the mail port:
 * `In-Reply-To` is the contact's latest mail, `References` the thread's ids, the subject "Re: <first
 * subject>", Reply-To the workspace's inbound address. The Message-ID the port returns is stored,
 * so the contact's reply threads back into this conversation.
 */
export async function sendEmailReply(ctx: AnswerCtx, input: { conversationId: string; message: StoredMessage }) {
  const repo = ctx.repos.email;
  const thread = await repo.ofConversation(ctx.tenantId, input.conversationId);
  const inbound = thread.filter((m) => m.direction === "in");
  const first = inbound[0];
  const latest = inbound.at(-1);
  if (!first || !latest) return { sent: false as const, reason: "no inbound mail to reply to" };
  const ids = thread.map((m) => m.messageId);
  const references = ids.length > MAX_REFERENCES_SENT ? [ids[0]!, ...ids.slice(-(MAX_REFERENCES_SENT - 1))] : ids;
  const tenant = await ctx.repos.tenants.get(ctx.tenantId);
  const subject = replySubject(first.subject);
  const mail = conversationReplyMail({
    subject,
    text: input.message.text,
    sources: input.message.sources ?? [],
    workspace: tenant?.name ?? "Echo",
  });
  const { address } = await ensureEmailInbox(ctx, ctx.tenantId);
  const { messageId } = await ctx.services.mail.send({
    tenantId: ctx.tenantId,
    to: latest.contact,
    subject,
    text: mail.text,
    html: mail.html,
    replyTo: address,
    headers: {
      "In-Reply-To": latest.messageId,
      References: references.join(" "),
      "X-Echo-Conversation": input.conversationId,
      // RFC 3834: the AI's answer is an automatic reply (vacation responders stay quiet); a person's is not
      ...(input.message.role === "ai" ? { "Auto-Submitted": "auto-replied" } : {}),
    },
  });
  await repo.insert({
    id: newId("eml", ctx.clock.now()),
    tenantId: ctx.tenantId,
    conversationId: input.conversationId,
    messageId,
    direction: "out",
    contact: latest.contact,
    subject,
    createdAt: new Date(ctx.clock.now()),
  });
  return { sent: true as const, messageId };
}
