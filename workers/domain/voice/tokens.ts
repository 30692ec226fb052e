import { sha256Hex, timingSafeEqual } from "../../lib/crypto";
import { openAndRenew } from "../secrets/rotation";
import { RateLimited } from "../../lib/errors";
import type { VoiceIntegrationRow, VoiceProvider } from "../../storage/schema";
import type { BaseCtx } from "../ctx";
import { encryptSecret, masterKeysOf } from "../secrets/crypto";

/**
 * Custom-LLM capability tokens (issue 13, item 2). Voice platforms call a custom LLM at a base URL
 * we give them, and Retell's WebSocket cannot carry headers we choose, so the URL itself
 * authenticates: `/hooks/voice/<provider>/<integration>/llm/<token>/…`.
 *
 * - random per integration (32 bytes from `crypto.getRandomValues`, base64url), never derived;
 * - checked only against its SHA-256 hex (`voice_integrations.llm_token_hash`), in constant time;
 *   the token itself is kept sealed under the tenant key (`llm_token_ciphertext`, like provider
 *   secrets) because Echo must put the URL into Vapi assistant-request answers;
 * - shown only to roles with `voice:write` (the DTO leaves URLs out for everyone else);
 * - rotated by `POST /api/voice/integrations/:id/rotate`: the old token stops working at once;
 * - throttled per integration (VOICE_RATE_LIMIT), and redacted from request logs (lib/redact.ts).
 *
 * The digest needs no salt or slow hash: the token carries 256 bits of entropy.
 */
export const LLM_TOKEN_PREFIX = "vlt_";

/** Providers whose URLs carry the capability token (Twilio authenticates every request by signature). */
export const hasLlmUrl = (provider: VoiceProvider) => provider !== "twilio";

export function newLlmToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return LLM_TOKEN_PREFIX + btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export const hashLlmToken = (token: string) => sha256Hex(token);

async function sealedColumns(ctx: BaseCtx, tenantId: string, token: string) {
  return {
    llmTokenHash: await hashLlmToken(token),
    llmTokenCiphertext: await encryptSecret(masterKeysOf(ctx.config), tenantId, token),
    llmTokenIssuedAt: new Date(ctx.clock.now()),
  };
}

/** The token columns of a new integration (none for providers without capability URLs). */
export async function llmTokenColumns(ctx: BaseCtx, tenantId: string, provider: VoiceProvider) {
  return hasLlmUrl(provider) ? sealedColumns(ctx, tenantId, newLlmToken()) : {};
}

/** Replaces the integration's token: the old one stops working with this write. */
export async function rotateLlmToken(ctx: BaseCtx, row: VoiceIntegrationRow) {
  const token = newLlmToken();
  const cols = await sealedColumns(ctx, row.tenantId, token);
  const updated = await ctx.repos.voiceIntegrations.setLlmToken(row.tenantId, row.id, {
    ...cols,
    updatedAt: cols.llmTokenIssuedAt,
  });
  return updated ? { row: updated, token } : undefined;
}

/**
 * The integration's token, issuing one when the row has none (rows from before migration 0007, or
 * a row created before its first token). Undefined for providers without capability URLs.
 */
export async function currentLlmToken(
  ctx: BaseCtx,
  row: VoiceIntegrationRow,
): Promise<{ row: VoiceIntegrationRow; token: string } | undefined> {
  if (!hasLlmUrl(row.provider)) return undefined;
  if (row.llmTokenCiphertext) {
    // a token sealed under the previous MASTER_KEY is re-sealed under the current one as it is read
    const token = await openAndRenew(
      { repos: ctx.repos, keys: masterKeysOf(ctx.config), log: ctx.log },
      row.tenantId,
      row.llmTokenCiphertext,
      ctx.repos.sealedSecrets.renewVoiceLlmToken(row.id, row.llmTokenCiphertext),
    );
    return { row, token };
  }
  const token = newLlmToken();
  const repo = ctx.repos.voiceIntegrations;
  const issued = await repo.setLlmToken(row.tenantId, row.id, await sealedColumns(ctx, row.tenantId, token), true);
  if (issued) return { row: issued, token };
  // another request issued one first: use theirs
  const again = await repo.get(row.tenantId, row.id);
  return again?.llmTokenCiphertext ? currentLlmToken(ctx, again) : undefined;
}

/** True when `presented` is the integration's current token. A row with no token accepts nothing. */
export async function isCurrentLlmToken(
  row: Pick<VoiceIntegrationRow, "llmTokenHash">,
  presented: string | undefined,
): Promise<boolean> {
  // the digest of anything is 64 hex chars, so the comparison below never short-cuts on length
  const presentedHash = await hashLlmToken(presented ?? "");
  if (!row.llmTokenHash || !presented?.startsWith(LLM_TOKEN_PREFIX)) return false;
  return timingSafeEqual(presentedHash, row.llmTokenHash);
}

/**
 * Requests a capability URL may make per integration and window, shared by the provider's own
 * calls: at a turn every few seconds this serves dozens of concurrent calls, and stops a leaked URL
 * from running the tenant's model at full speed. Matches VOICE_RATE_LIMIT in wrangler.toml.
 */
export const VOICE_LLM_LIMIT = { limit: 100, periodSeconds: 10 } as const;

/** Throws 429 when the integration's capability URLs are over their limit. */
export async function throttleLlmUrl(
  limiter: { limit(o: { key: string }): Promise<{ success: boolean }> },
  id: string,
) {
  const { success } = await limiter.limit({ key: `voice-llm:${id}` });
  if (!success)
    throw new RateLimited("too many requests for this voice integration; slow down", VOICE_LLM_LIMIT.periodSeconds);
}
