import { NotFound } from "../../../lib/errors";
import { hasPrefix, newId } from "../../../lib/ids";
import type { WhatsappChannelRow } from "../../../storage/channels-repo";
import { audit } from "../../audit";
import { requireAllowed } from "../../billing/may-tenant";
import type { BaseCtx, Ctx } from "../../ctx";
import { decryptSecret, encryptSecret, masterKeysOf, secretHint } from "../../secrets/crypto";
import { WhatsAppSecrets, type WhatsAppChannelInput } from "./schemas";

/**
 * A bot's WhatsApp Cloud API number. Access token, app secret and verify token are sealed under the
 * tenant key; the API answers with the webhook URL to paste into Meta's app dashboard. A plan
 * without the WhatsApp channel is refused (403 naming the plan) before anything is stored.
 */
export async function createWhatsAppChannel(ctx: Ctx, input: WhatsAppChannelInput) {
  if (!(await ctx.repos.bots.get(ctx.tenantId, input.botId))) throw new NotFound("bot", input.botId);
  await requireAllowed(ctx, { kind: "channel", channel: "whatsapp" });
  const now = ctx.clock.now();
  const secrets: WhatsAppSecrets = {
    accessToken: input.accessToken,
    appSecret: input.appSecret,
    verifyToken: input.verifyToken,
  };
  const id = newId("wac", now);
  await ctx.repos.whatsapp.insertChannel({
    id,
    tenantId: ctx.tenantId,
    botId: input.botId,
    phoneNumberId: input.phoneNumberId,
    secretsCiphertext: await encryptSecret(masterKeysOf(ctx.config), ctx.tenantId, JSON.stringify(secrets)),
    secretHints: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, secretHint(v)])),
    createdAt: new Date(now),
    wabaId: input.wabaId ?? null,
  });
  await audit(ctx, "channel.whatsapp_created", { type: "whatsapp_channel", id }, { botId: input.botId });
  return { id, webhookUrl: whatsappWebhookUrl(ctx, id) };
}

export const whatsappWebhookUrl = (ctx: BaseCtx, id: string) =>
  `${ctx.services.origin || "http://localhost"}/hooks/whatsapp/${id}`;

/** The webhook's channel: the id in the URL names it (and its tenant); unknown or malformed → 404. */
export async function channelForHook(ctx: BaseCtx, id: string): Promise<WhatsappChannelRow> {
  const row = hasPrefix(id, "wac") ? await ctx.repos.whatsapp.channelById(id) : undefined;
  if (!row) throw new NotFound("WhatsApp channel", id);
  return row;
}

export async function openWhatsAppSecrets(ctx: BaseCtx, row: WhatsappChannelRow): Promise<WhatsAppSecrets> {
  const plain = await decryptSecret(masterKeysOf(ctx.config), row.tenantId, row.secretsCiphertext);
  return WhatsAppSecrets.parse(JSON.parse(plain));
}
