import { sha256Hex } from "../../lib/crypto";
import { Unauthorized } from "../../lib/errors";
import { twilioParamString, type TwilioParams } from "../../lib/signatures";
import type { VoiceIntegrationRow } from "../../storage/schema";
import type { BaseCtx } from "../ctx";

/**
 * Replay keys of provider webhooks (issue 13, item 9). A replay key is derived only from what the
 * provider authenticated: an event id inside the signed body, or the SHA-256 of the signed content.
 * Never from an unsigned header (`x-vapi-message-id`, `I-Twilio-Idempotency-Token`): anyone who
 * captured one signed request could change the header and have it processed again.
 */

/** The SHA-256 of a raw body: the key of a body-signed (or secret-authenticated) delivery. */
export const bodyEventId = async (rawBody: string) => `sha256:${await sha256Hex(rawBody)}`;

/**
 * Twilio signs the URL plus the sorted form parameters and nothing else (protocols.md §4.2), so the
 * replay key hashes exactly that content, canonicalised the way the signature check tolerates
 * variants (query pairs decoded and sorted, scheme/host/port dropped): a re-encoded query or an
 * added `:443` is the same request.
 */
export async function twilioEventId(url: string, params: TwilioParams): Promise<string> {
  const u = new URL(url);
  const query = [...u.searchParams.entries()].map(([k, v]) => `${k}=${v}`).sort();
  return `twilio:${await sha256Hex(JSON.stringify([u.pathname, query, twilioParamString(params)]))}`;
}

/** A signed `Timestamp` parameter (status callbacks carry one, RFC 2822) may be this old… */
export const TWILIO_TIMESTAMP_TOLERANCE_MS = 15 * 60 * 1000;
/** …or this far in the future (clock drift). */
export const TWILIO_FUTURE_SKEW_MS = 5 * 60 * 1000;
/**
 * Twilio calls last at most 4 hours (the default and maximum `TimeLimit`, 14400 s); a request for a
 * call first seen longer ago than this (plus a margin for late status callbacks) is a replay. This
 * is also how long replay records must be kept for Twilio: within it, the content key drops an exact
 * resend; beyond it, the call's age refuses it.
 */
export const TWILIO_MAX_CALL_MS = 4 * 60 * 60 * 1000 + 15 * 60 * 1000;

const one = (p: TwilioParams, k: string) => {
  const v = p[k];
  return typeof v === "string" ? v : Array.isArray(v) ? v[0] : undefined;
};

/**
 * Twilio's freshness window. Twilio's signature has no timestamp, so freshness comes from signed
 * content: a `Timestamp` parameter when the request has one, and otherwise the age of the call the
 * `CallSid` names (first recorded by its incoming-call webhook). Throws 401 (nothing stored) when
 * stale.
 */
export async function requireFreshTwilio(ctx: BaseCtx, integration: VoiceIntegrationRow, params: TwilioParams) {
  const now = ctx.clock.now();
  const stamp = one(params, "Timestamp");
  if (stamp !== undefined) {
    const at = Date.parse(stamp);
    if (!Number.isFinite(at) || now - at > TWILIO_TIMESTAMP_TOLERANCE_MS || at - now > TWILIO_FUTURE_SKEW_MS)
      return refuse(ctx, integration, "timestamp outside the window");
  }
  const sid = one(params, "CallSid");
  if (!sid) return;
  const call = await ctx.repos.voiceCalls.byProviderCallId(integration.tenantId, integration.id, sid.slice(0, 200));
  if (call && now - call.createdAt.getTime() > TWILIO_MAX_CALL_MS)
    return refuse(ctx, integration, "the call is older than a Twilio call can last");
}

function refuse(ctx: BaseCtx, integration: VoiceIntegrationRow, why: string): never {
  ctx.log.warn("voice: stale twilio request refused", { integrationId: integration.id, why });
  throw new Unauthorized("webhook signature check failed: stale");
}
