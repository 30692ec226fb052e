import { AppError, Forbidden, Invalid, Unauthorized } from "../../../lib/errors";
import { sha256Hex, timingSafeEqual } from "../../../lib/crypto";
import { newId } from "../../../lib/ids";
import { verifyHubSignature256 } from "../../../lib/signatures";
import type { WhatsappChannelRow } from "../../../storage/channels-repo";
import { mayUse } from "../../billing/may-tenant";
import type { BaseCtx } from "../../ctx";
import { channelForHook, openWhatsAppSecrets } from "./channels";
import { fetchWhatsAppMedia, type MediaOutcome } from "./media";
import { MAX_WEBHOOK_BYTES, WhatsAppNotification, type InboundWhatsAppMessage, type WhatsAppStatus } from "./schemas";

/**
 * The WhatsApp Cloud API webhook (protocols.md §5). GET answers Meta's verification handshake with
 * the raw challenge; POST verifies `X-Hub-Signature-256` over the raw body with the app secret
 * before anything is parsed or stored, then turns each inbound message (oldest first by Meta's
 * `timestamp`, once per wamid) into a visitor message of the contact's one conversation through the
 * room's command path, and delivery statuses into the stored receipts.
 */

export async function verifyWhatsAppHandshake(
  ctx: BaseCtx,
  id: string,
  q: { mode?: string; token?: string; challenge?: string },
): Promise<string> {
  const channel = await channelForHook(ctx, id);
  const { verifyToken } = await openWhatsAppSecrets(ctx, channel);
  if (q.mode !== "subscribe" || !q.token || !timingSafeEqual(q.token, verifyToken))
    throw new Forbidden("hub.mode must be subscribe and hub.verify_token must match the channel's verify token");
  if (!q.challenge || q.challenge.length > 256) throw new Invalid("hub.challenge is missing or too long");
  return q.challenge;
}

export async function receiveWhatsAppWebhook(
  ctx: BaseCtx,
  id: string,
  input: { rawBody: string; signature: string | null },
): Promise<{ messages: number; duplicates: number; statuses: number }> {
  const channel = await channelForHook(ctx, id);
  if (input.rawBody.length > MAX_WEBHOOK_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", "webhook body too large");
  const { appSecret } = await openWhatsAppSecrets(ctx, channel);
  const verdict = await verifyHubSignature256({ secret: appSecret, rawBody: input.rawBody, header: input.signature });
  if (!verdict.ok) throw new Unauthorized(`X-Hub-Signature-256 ${verdict.reason}`);
  const parsed = WhatsAppNotification.safeParse(safeJson(input.rawBody));
  if (!parsed.success) throw new Invalid("not a WhatsApp Business notification");
  const counts = { messages: 0, duplicates: 0, statuses: 0 };
  for (const value of valuesOf(parsed.data, channel)) {
    const names = new Map((value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name]));
    const ordered = [...(value.messages ?? [])].sort((a, b) => Number(a.timestamp) - Number(b.timestamp));
    for (const m of ordered) {
      const stored = await receiveMessage(ctx, channel, m, names.get(m.from));
      if (stored === "stored") counts.messages++;
      else if (stored === "duplicate") counts.duplicates++;
    }
    for (const s of value.statuses ?? []) if (await applyStatus(ctx, channel, s)) counts.statuses++;
  }
  return counts;
}

/**
 * A delivery status moves our message's receipt forward (never back: repo `setStatus`) and reaches
 * the tenant's operators live through the hub (`message.receipt`). False when nothing changed.
 */
async function applyStatus(ctx: BaseCtx, channel: WhatsappChannelRow, s: WhatsAppStatus): Promise<boolean> {
  const row = await ctx.repos.whatsapp.setStatus(channel.tenantId, channel.id, s.id, s.status);
  if (!row) return false;
  if (s.status === "failed")
    ctx.log.warn("whatsapp: message failed", { tenantId: channel.tenantId, code: s.errors?.[0]?.code });
  if (row.messageId)
    await ctx.hub
      .publish(channel.tenantId, {
        type: "message.receipt",
        conversationId: row.conversationId,
        messageId: row.messageId,
        status: s.status,
        at: new Date(ctx.clock.now()).toISOString(),
      })
      .catch((err: unknown) => ctx.log.warn("whatsapp: receipt not published", { error: String(err) }));
  return true;
}

/** The `messages` changes addressed to this channel's number. */
function valuesOf(n: WhatsAppNotification, channel: WhatsappChannelRow) {
  return n.entry.flatMap((e) =>
    e.changes
      .filter((c) => c.field === "messages")
      .map((c) => c.value)
      .filter((v) => !v.metadata || v.metadata.phone_number_id === channel.phoneNumberId),
  );
}

/** The words of a message as the conversation shows them; null for kinds we do not store (reactions, system). */
export function textOf(m: InboundWhatsAppMessage): string | null {
  if (m.type === "text") return m.text?.body?.trim() || null;
  if (m.type === "interactive") return m.interactive?.button_reply?.title ?? m.interactive?.list_reply?.title ?? null;
  if (m.type === "button") return m.button?.text ?? null;
  if (m.type === "image" || m.type === "document" || m.type === "video" || m.type === "audio") {
    const caption = (m.image?.caption ?? m.document?.caption ?? m.document?.filename ?? "").trim();
    return caption ? `[${m.type}] ${caption}` : `[${m.type}]`;
  }
  return null;
}

async function receiveMessage(
  ctx: BaseCtx,
  channel: WhatsappChannelRow,
  m: InboundWhatsAppMessage,
  name: string | undefined,
): Promise<"stored" | "duplicate" | "skipped"> {
  const text = textOf(m);
  if (!text) return "skipped";
  const repo = ctx.repos.whatsapp;
  const sentAt = Number(m.timestamp) * 1000;
  const conversationId = await conversationOf(ctx, channel, m.from, name);
  const fresh = await repo.insertMessage({
    wamid: m.id,
    channelId: channel.id,
    tenantId: channel.tenantId,
    conversationId,
    direction: "in",
    status: "received",
    sentAt: new Date(sentAt),
  });
  if (!fresh) return "duplicate";
  const known = await repo.contact(channel.id, m.from);
  const last = Math.max(known?.lastInboundAt.getTime() ?? 0, sentAt);
  await repo.upsertContact({
    channelId: channel.id,
    waId: m.from,
    tenantId: channel.tenantId,
    conversationId,
    lastInboundAt: new Date(last),
  });
  const media = await mediaOf(ctx, channel, conversationId, m);
  const shown = media && !media.ok ? `${text} (the file was not stored: ${media.reason})` : text;
  const room = ctx.rooms.conversation(channel.tenantId, conversationId);
  await planGate(ctx, channel, room);
  const message = await room.appendMessage({
    role: "visitor",
    text: shown,
    cid: `wa:${(await sha256Hex(m.id)).slice(0, 32)}`,
    meta: {
      channel: "whatsapp",
      wamid: m.id,
      sentAt,
      type: m.type,
      ...(media && !media.ok ? { mediaError: media.reason } : {}),
    },
    ...(media?.ok ? { attachments: [media.ref] } : {}),
    respond: true,
  });
  await repo.setMessageId(channel.tenantId, channel.id, m.id, message.id);
  return "stored";
}

/**
 * A number connected while the plan included WhatsApp keeps receiving after a downgrade — nothing a
 * customer writes is lost — but the AI no longer answers on it: the conversation goes to a person
 * (reason `quota`, as for used-up voice minutes) and operators reply as before. A billing read that
 * fails lets the AI answer (logged): an inbound message is never refused for it.
 */
async function planGate(
  ctx: BaseCtx,
  channel: WhatsappChannelRow,
  room: ReturnType<BaseCtx["rooms"]["conversation"]>,
): Promise<void> {
  const allowed = await mayUse({ ...ctx, tenantId: channel.tenantId }, { kind: "channel", channel: "whatsapp" }).catch(
    (err: unknown) => {
      ctx.log.warn("whatsapp: billing check failed; the AI answers", {
        tenantId: channel.tenantId,
        error: String(err),
      });
      return true;
    },
  );
  if (allowed) return;
  const snap = await room.snapshot();
  if (snap.mode === "ai") await room.setMode("human", "quota");
}

/** An image, document or voice note: fetched through the Graph API into R2 (media.ts); undefined for other kinds. */
async function mediaOf(
  ctx: BaseCtx,
  channel: WhatsappChannelRow,
  conversationId: string,
  m: InboundWhatsAppMessage,
): Promise<MediaOutcome | undefined> {
  const kind = m.type === "image" || m.type === "document" || m.type === "audio" ? m.type : undefined;
  const obj = kind ? m[kind] : undefined;
  if (!kind || !obj?.id) return undefined;
  const secrets = await openWhatsAppSecrets(ctx, channel);
  const out = await fetchWhatsAppMedia(ctx, channel, secrets, {
    conversationId,
    kind,
    mediaId: obj.id,
    mimeType: obj.mime_type,
    filename: kind === "document" ? m.document?.filename : undefined,
  });
  if (!out.ok) ctx.log.warn("whatsapp: media not stored", { tenantId: channel.tenantId, reason: out.reason });
  return out;
}

/** One open conversation per contact: the contact's current one unless it was closed. */
async function conversationOf(ctx: BaseCtx, channel: WhatsappChannelRow, waId: string, name: string | undefined) {
  const known = await ctx.repos.whatsapp.contact(channel.id, waId);
  if (known) {
    const snap = await ctx.rooms
      .conversation(channel.tenantId, known.conversationId)
      .snapshot()
      .catch(() => undefined);
    if (snap && snap.mode !== "closed") return known.conversationId;
  }
  const conversationId = newId("conv", ctx.clock.now());
  await ctx.rooms.conversation(channel.tenantId, conversationId).init({
    tenantId: channel.tenantId,
    conversationId,
    botId: channel.botId,
    channel: "whatsapp",
    visitor: { phone: `+${waId}`.slice(0, 40), ...(name ? { name: name.slice(0, 200) } : {}) },
  });
  return conversationId;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
