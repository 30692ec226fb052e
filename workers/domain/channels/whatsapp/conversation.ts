import { NotFound } from "../../../lib/errors";
import type { Ctx } from "../../ctx";
import { getConversation } from "../../conversations/read";
import { WINDOW_MS } from "./send";

/**
 * What an operator's view of a WhatsApp conversation needs beside the messages: the channel, when
 * the 24-hour customer-service window closes (free-form replies until then, templates after) and the
 * delivery receipt of each of our messages (message id → sent | delivered | read | failed).
 */
export async function readWhatsAppConversation(ctx: Ctx, conversationId: string) {
  const conv = await getConversation(ctx, conversationId);
  const contact = await ctx.repos.whatsapp.contactOfConversation(ctx.tenantId, conv.id);
  if (!contact) throw new NotFound("WhatsApp conversation", conversationId);
  const closesAt = contact.lastInboundAt.getTime() + WINDOW_MS;
  const receipts: Record<string, string> = {};
  for (const r of await ctx.repos.whatsapp.receipts(ctx.tenantId, conv.id))
    if (r.messageId) receipts[r.messageId] = r.status;
  return {
    channelId: contact.channelId,
    windowClosesAt: new Date(closesAt).toISOString(),
    windowOpen: ctx.clock.now() < closesAt,
    receipts,
  };
}
