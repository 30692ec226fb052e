import type { Repos } from "../../storage/repos";
import type { UsageMetric } from "../../storage/schema";
import { recordUsage, usageStmts } from "./usage";

/**
 * Channel messages and voice minutes, metered where they happen (issue 15): each counted once per
 * tenant, bot and period by its own id, through the same exactly-once statements as AI answers.
 *
 * - an inbound email or WhatsApp message: the room's visitor message id, in the room's D1 flush
 *   (`chan:<message id>`; the adapters already store a redelivered mail or wamid once);
 * - an outbound one: the room's ai/agent message id once the provider accepted it
 *   (`chan:<message id>`; a delivery retried by the room finds it recorded);
 * - a call: its duration in seconds from the provider's end-of-call report, under the call's id
 *   (`voice:<call id>`), so a replayed report, or a second provider's report of the same call, adds nothing.
 */

export type MeteredChannel = "email" | "whatsapp";

export const channelMetric = (channel: MeteredChannel): UsageMetric =>
  channel === "email" ? "email_messages" : "whatsapp_messages";

export const isMeteredChannel = (channel: string): channel is MeteredChannel =>
  channel === "email" || channel === "whatsapp";

export type ChannelMessage = {
  tenantId: string;
  botId: string;
  channel: MeteredChannel;
  /** The room's message id (inbound: the visitor message; outbound: the ai/agent message). */
  messageId: string;
  at: number;
};

const channelUsage = (m: ChannelMessage) => ({
  tenantId: m.tenantId,
  eventId: `chan:${m.messageId}`,
  metric: channelMetric(m.channel),
  botId: m.botId,
  quantity: 1,
  at: m.at,
});

/** The statements counting one channel message, for a caller with a batch of its own (the room's flush). */
export const channelMessageStmts = (repos: Pick<Repos, "billing">, m: ChannelMessage) =>
  usageStmts(repos, channelUsage(m));

/** Counts one channel message in its own batch (outbound deliveries, template sends). */
export const recordChannelMessage = (ctx: { repos: Repos }, m: ChannelMessage) => recordUsage(ctx, channelUsage(m));

/**
 * Counts a finished call's duration (seconds, rounded up) once under the call's id. The period is
 * the call's end. Nothing is counted without a duration.
 */
export async function recordVoiceCall(
  ctx: { repos: Repos },
  call: { tenantId: string; id: string; botId: string },
  durationSec: number | null,
  endedAt: number,
) {
  if (durationSec === null || !Number.isFinite(durationSec) || durationSec < 0) return;
  await recordUsage(ctx, {
    tenantId: call.tenantId,
    eventId: `voice:${call.id}`,
    metric: "voice_seconds",
    botId: call.botId,
    quantity: Math.ceil(durationSec),
    at: endedAt,
  });
}
