import { decideEntitlement, type Refusal } from "../billing/entitlement";
import { loadBillingSnapshot } from "../billing/may-tenant";
import type { VoiceCallRow, VoiceIntegrationRow } from "../../storage/schema";
import { handOffCall, HANDOFF_LINE } from "./calls";
import type { VoiceCtx } from "./ports";

/** What a caller hears when the plan's voice minutes are used up and no one can take the call. */
export const VOICE_QUOTA_LINE =
  "Sorry, we can't take calls on this line right now. Please reach us by chat or email, and we'll get back to you.";

export type CallGate =
  { refused: false } | { refused: true; number: string | null; spoken: string; refusal: Refusal; call: VoiceCallRow };

/**
 * Before a new call reaches the AI (Vapi assistant-request, Twilio incoming call): may the tenant's
 * plan take a voice call now — the voice channel included and this month's voice minutes not used
 * up (domain/billing `decideEntitlement`)? When not, the call is not answered by the AI; like a
 * support line after hours it goes to a person: the room switches to `human` with reason `quota`
 * (operators see the caller's number and can call back), and the caller is put through to the
 * integration's hand-off number when one is set, else told politely and the call ends. Calls
 * already in progress are never cut. A billing read that fails lets the call through (logged):
 * a refused call is never a 500.
 */
export async function voiceCallGate(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  call: VoiceCallRow,
): Promise<CallGate> {
  let refusal: Refusal;
  try {
    const now = ctx.clock.now();
    const snap = await loadBillingSnapshot({ ...ctx, tenantId: integration.tenantId });
    const channel = decideEntitlement(snap, { kind: "channel", channel: "voice" }, now);
    const minutes = channel.ok ? decideEntitlement(snap, { kind: "voice_minute" }, now) : channel;
    if (minutes.ok) return { refused: false };
    refusal = minutes;
  } catch (err) {
    ctx.log.warn("voice: billing check failed; the call goes ahead", { callId: call.id, error: String(err) });
    return { refused: false };
  }
  ctx.log.info("voice: call refused by the plan", { callId: call.id, limit: refusal.limit, plan: refusal.plan });
  const h = await handOffCall(ctx, integration, call, "quota");
  return { refused: true, number: h.number, spoken: h.number ? HANDOFF_LINE : VOICE_QUOTA_LINE, refusal, call: h.call };
}
