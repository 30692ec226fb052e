import type { RoomMeta, StoredMessage } from "../../contracts/room-rpc";
import type { AnswerCtx } from "../knowledge/answer-types";
import { recordChannelMessage } from "../billing/channel-usage";
import { sendEmailReply } from "./email/reply";
import { sendWhatsAppReply } from "./whatsapp/send";

/**
 * The outbound side of the channel adapters: the room's `deliver` effect (room-core: an ai or agent
 * message of an email or WhatsApp conversation) lands here. Never throws: a failed delivery is
 * logged with the message id; the message itself is already stored and visible to operators.
 */
export async function deliverChannelMessage(ctx: AnswerCtx, meta: RoomMeta, message: StoredMessage) {
  const input = { conversationId: meta.conversationId, message };
  try {
    const r =
      meta.channel === "email"
        ? await sendEmailReply(ctx, input)
        : meta.channel === "whatsapp"
          ? await sendWhatsAppReply(ctx, input)
          : { sent: false as const, reason: `channel ${meta.channel} does not deliver` };
    if (!r.sent)
      ctx.log.warn("channel: not delivered", { channel: meta.channel, messageId: message.id, reason: r.reason });
    else if (meta.channel === "email" || meta.channel === "whatsapp")
      // an outbound channel message counts once the provider took it, once by the message id
      await recordChannelMessage(ctx, {
        tenantId: meta.tenantId,
        botId: meta.botId,
        channel: meta.channel,
        messageId: message.id,
        at: ctx.clock.now(),
      }).catch((err: unknown) =>
        ctx.log.warn("billing: channel message not metered", { messageId: message.id, error: String(err) }),
      );
    return r;
  } catch (err) {
    ctx.log.error("channel: delivery failed", { channel: meta.channel, messageId: message.id, error: String(err) });
    return { sent: false as const, reason: String(err) };
  }
}
