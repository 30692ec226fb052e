import { sha256Hex } from "../../lib/crypto";
import { NotFound, Unauthorized } from "../../lib/errors";
import { hasPrefix, newId } from "../../lib/ids";
import {
  type TwilioParams,
  type VerifyResult,
  verifyElevenLabs,
  verifyRetell,
  verifySharedSecret,
  verifyTwilio,
  verifyVapiHmac,
} from "../../lib/signatures";
import type { VoiceIntegrationRow, VoiceProvider } from "../../storage/schema";
import type { BaseCtx } from "../ctx";
import { openSecrets } from "./integrations";
import { VoiceSettings } from "./schemas";

/**
 * The front door of every provider webhook: find the integration named in the URL, verify the
 * request exactly as its provider specifies (raw body, constant time, timestamp window), then
 * claim the event id so a replay changes nothing. A failed check is 401 and stores nothing.
 */

/** Looks up the integration of a hook URL; a wrong provider segment is the same 404 as a missing id. */
export async function integrationForHook(
  ctx: BaseCtx,
  provider: VoiceProvider,
  id: string,
): Promise<VoiceIntegrationRow> {
  const row = hasPrefix(id, "vint") ? await ctx.repos.voiceIntegrations.byIdForHook(id) : undefined;
  if (!row || row.provider !== provider) throw new NotFound("voice integration", id);
  return row;
}

export type SignedRequest = {
  rawBody: string;
  headers: Headers;
  /** The URL as the provider called it (Twilio signs it). */
  url: string;
  /** Twilio form parameters. */
  form?: TwilioParams;
};

/** Which check a request gets: the provider's webhook scheme, or a static secret (ElevenLabs' initiation webhook has no HMAC). */
export type VerifyKind = "webhook" | "initiation";

function bearerOf(headers: Headers): string | null {
  const h = headers.get("authorization");
  return h?.startsWith("Bearer ") ? h.slice(7).trim() : null;
}

export async function verifyProviderRequest(
  ctx: BaseCtx,
  integration: VoiceIntegrationRow,
  req: SignedRequest,
  kind: VerifyKind = "webhook",
): Promise<VerifyResult> {
  const nowMs = ctx.clock.now();
  switch (integration.provider) {
    case "vapi": {
      const { secret } = await openSecrets(ctx, integration as VoiceIntegrationRow & { provider: "vapi" });
      const mode = VoiceSettings.parse(integration.settings).vapiAuth ?? "secret";
      if (mode === "hmac")
        return verifyVapiHmac({
          secret,
          rawBody: req.rawBody,
          signature: req.headers.get("x-signature"),
          timestamp: req.headers.get("x-timestamp"),
          nowMs,
        });
      return verifySharedSecret({
        secret,
        presented: mode === "bearer" ? bearerOf(req.headers) : req.headers.get("x-vapi-secret"),
      });
    }
    case "elevenlabs": {
      const s = await openSecrets(ctx, integration as VoiceIntegrationRow & { provider: "elevenlabs" });
      if (kind === "initiation")
        return verifySharedSecret({
          secret: s.initiationSecret ?? s.webhookSecret,
          presented: bearerOf(req.headers) ?? req.headers.get("x-echo-secret"),
        });
      return verifyElevenLabs({
        secret: s.webhookSecret,
        rawBody: req.rawBody,
        header: req.headers.get("elevenlabs-signature"),
        nowMs,
      });
    }
    case "retell": {
      const { apiKey } = await openSecrets(ctx, integration as VoiceIntegrationRow & { provider: "retell" });
      return verifyRetell({ apiKey, rawBody: req.rawBody, header: req.headers.get("x-retell-signature"), nowMs });
    }
    case "twilio": {
      const { authToken } = await openSecrets(ctx, integration as VoiceIntegrationRow & { provider: "twilio" });
      return verifyTwilio({
        authToken,
        url: req.url,
        params: req.form ?? {},
        rawBody: req.rawBody,
        header: req.headers.get("x-twilio-signature"),
      });
    }
  }
}

/** Throws 401 (nothing stored) unless the request verifies. */
export async function requireVerified(
  ctx: BaseCtx,
  integration: VoiceIntegrationRow,
  req: SignedRequest,
  kind: VerifyKind = "webhook",
) {
  const r = await verifyProviderRequest(ctx, integration, req, kind);
  if (!r.ok) {
    ctx.log.warn("voice: webhook refused", {
      integrationId: integration.id,
      provider: integration.provider,
      reason: r.reason,
    });
    throw new Unauthorized(`webhook signature check failed: ${r.reason}`);
  }
}

/** Event id for replay protection: the provider's own id when it has one, else the SHA-256 of the raw body. */
export async function eventIdOf(rawBody: string, providerId?: string | null): Promise<string> {
  return providerId ? providerId.slice(0, 200) : `sha256:${await sha256Hex(rawBody)}`;
}

export type Processed<T> = { duplicate: false; response: T } | { duplicate: true; response: unknown };

/**
 * Runs `fn` once per (integration, event id). A replay returns the stored answer of the first
 * delivery (or nothing) and changes nothing. If `fn` fails the claim is released, so the
 * provider's retry is processed rather than dropped.
 */
export async function processOnce<T>(
  ctx: BaseCtx,
  integration: VoiceIntegrationRow,
  eventId: string,
  kind: string,
  fn: () => Promise<T>,
  keepResponse: boolean,
): Promise<Processed<T>> {
  const repo = ctx.repos.voiceEvents;
  const claimed = await repo.claim({
    tenantId: integration.tenantId,
    integrationId: integration.id,
    eventId,
    id: newId("evt", ctx.clock.now()),
    kind: kind.slice(0, 60),
    receivedAt: new Date(ctx.clock.now()),
  });
  if (!claimed) {
    const row = await repo.get(integration.tenantId, integration.id, eventId);
    ctx.log.info("voice: replayed event dropped", { integrationId: integration.id, eventId, kind });
    return { duplicate: true, response: row?.response ? (JSON.parse(row.response) as unknown) : null };
  }
  try {
    const response = await fn();
    if (keepResponse && response !== undefined)
      await repo.setResponse(integration.tenantId, integration.id, eventId, JSON.stringify(response));
    return { duplicate: false, response };
  } catch (err) {
    await repo.release(integration.tenantId, integration.id, eventId).catch(() => {});
    throw err;
  }
}
