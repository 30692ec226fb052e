import { newId } from "../../../lib/ids";
import type { EmailMessageRow } from "../../../storage/channels-repo";
import { attachmentKey } from "../../conversations/attachments";
import type { BaseCtx } from "../../ctx";
import { localPartOf } from "./inbox";
import {
  automatedReason,
  MAX_EMAIL_BYTES,
  MAX_MAILS_PER_SENDER_HOUR,
  readInboundMail,
  type InboundMail,
} from "./message";

/**
 * The email channel's inbound side, called by the Worker's email() handler with the buffered raw
 * message. A person's mail becomes a visitor message of one conversation through the room's
 * command path (`appendMessage` with `respond`: the room answers it like a chat message and its
 * ai/agent messages come back out through deliver.ts). Threading: `In-Reply-To`, then every id in
 * `References`, matched against this tenant's stored ids (sent and received); the sender must be the
 * conversation's contact, and a closed conversation is not reopened — otherwise a new conversation.
 */

export type ReceiveOutcome =
  | { outcome: "stored"; tenantId: string; conversationId: string; threaded: boolean }
  | { outcome: "ignored"; reason: string }
  /** The handler calls `setReject(reason)`: a permanent SMTP refusal the sender's server reports. */
  | { outcome: "rejected"; reason: string };

export async function receiveEmail(
  ctx: BaseCtx,
  input: { from: string; to: string; raw: Uint8Array },
): Promise<ReceiveOutcome> {
  if (input.raw.byteLength > MAX_EMAIL_BYTES)
    return { outcome: "rejected", reason: `message too large (limit ${MAX_EMAIL_BYTES / 1024 / 1024} MiB)` };
  const local = localPartOf(ctx, input.to);
  const inbox = local ? await ctx.repos.email.inboxByLocalPart(local) : undefined;
  if (!inbox) return { outcome: "rejected", reason: "no such mailbox" };
  const mail = await readInboundMail(input.raw);
  if (!mail) return { outcome: "ignored", reason: "no sender address" };
  const automated = automatedReason(mail.headers, input.from, ctx.config.emailInboundDomain);
  if (automated) {
    ctx.log.info("email: ignored", { tenantId: inbox.tenantId, reason: automated });
    return { outcome: "ignored", reason: automated };
  }
  const window = await ctx.repos.throttle.bump(`email-in:${inbox.tenantId}:${mail.from}`, ctx.clock.now(), 3600_000);
  if ((window?.count ?? 0) > MAX_MAILS_PER_SENDER_HOUR) {
    ctx.log.warn("email: sender over its hourly limit", { tenantId: inbox.tenantId });
    return { outcome: "ignored", reason: "too many mails from this sender" };
  }
  return storeInbound(ctx, inbox.tenantId, mail);
}

async function storeInbound(ctx: BaseCtx, tenantId: string, mail: InboundMail): Promise<ReceiveOutcome> {
  const repo = ctx.repos.email;
  const messageId = mail.messageId || `<${newId("eml", ctx.clock.now())}@${ctx.config.emailInboundDomain}>`;
  // a redelivered mail (same Message-ID) is stored and answered once; checked before a conversation
  // is started for it (the unique index below settles a race between two deliveries)
  if ((await repo.byMessageIds(tenantId, [messageId])).length > 0)
    return { outcome: "ignored", reason: "duplicate Message-ID" };
  const thread = await threadOf(ctx, tenantId, mail);
  const conversationId = thread?.conversationId ?? (await startConversation(ctx, tenantId, mail));
  if (!conversationId) return { outcome: "ignored", reason: "the workspace has no bot" };
  const fresh = await repo.insert({
    id: newId("eml", ctx.clock.now()),
    tenantId,
    conversationId,
    messageId,
    direction: "in",
    contact: mail.from,
    subject: mail.subject,
    createdAt: new Date(ctx.clock.now()),
  });
  if (!fresh) return { outcome: "ignored", reason: "duplicate Message-ID" };
  try {
    const files = await storeAttachments(ctx, tenantId, conversationId, mail);
    await ctx.rooms.conversation(tenantId, conversationId).appendMessage({
      role: "visitor",
      text: mail.text || mail.subject || "(empty message)",
      cid: `email:${await shortHash(messageId)}`,
      meta: { channel: "email", messageId, subject: mail.subject, ...(files.length ? { attachments: files } : {}) },
      respond: true,
    });
  } catch (err) {
    // the handler fails, so the sending server retries later: that retry must not read as a duplicate
    await repo.forget(tenantId, messageId);
    throw err;
  }
  return { outcome: "stored", tenantId, conversationId, threaded: thread !== undefined };
}

/** The conversation this mail replies to, when the ids match and the sender is its contact. */
async function threadOf(ctx: BaseCtx, tenantId: string, mail: InboundMail): Promise<EmailMessageRow | undefined> {
  const rows = await ctx.repos.email.byMessageIds(tenantId, mail.threadIds);
  // In-Reply-To first, then References newest first (rows come back in any order)
  const order = new Map(mail.threadIds.map((id, i) => [id, i]));
  rows.sort((a, b) => (order.get(a.messageId) ?? 0) - (order.get(b.messageId) ?? 0));
  for (const row of rows) {
    if (row.contact !== mail.from) continue;
    const snap = await ctx.rooms
      .conversation(tenantId, row.conversationId)
      .snapshot()
      .catch(() => undefined);
    if (snap && snap.mode !== "closed") return row;
  }
  return undefined;
}

async function startConversation(ctx: BaseCtx, tenantId: string, mail: InboundMail): Promise<string | undefined> {
  const bot = (await ctx.repos.bots.list(tenantId))[0];
  if (!bot) return undefined;
  const conversationId = newId("conv", ctx.clock.now());
  await ctx.rooms.conversation(tenantId, conversationId).init({
    tenantId,
    conversationId,
    botId: bot.id,
    channel: "email",
    visitor: { email: mail.from.slice(0, 254), ...(mail.fromName ? { name: mail.fromName.slice(0, 200) } : {}) },
  });
  return conversationId;
}

/** Attachments go to R2 under the conversation's prefix (so erasure finds them); the message lists them. */
async function storeAttachments(ctx: BaseCtx, tenantId: string, conversationId: string, mail: InboundMail) {
  const out: { id: string; name: string; type: string; size: number }[] = [];
  for (const a of mail.attachments) {
    const id = newId("att", ctx.clock.now());
    await ctx.services.files.put(attachmentKey(tenantId, conversationId, id), a.content, {
      httpMetadata: { contentType: a.mimeType },
      customMetadata: { name: a.filename, tenantId, conversationId, channel: "email" },
    });
    out.push({ id, name: a.filename, type: a.mimeType, size: a.content.byteLength });
  }
  return out;
}

async function shortHash(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return [...d.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
