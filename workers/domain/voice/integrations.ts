import { Invalid, NotFound } from "../../lib/errors";
import { hasPrefix, newId } from "../../lib/ids";
import type { VoiceIntegrationRow, VoiceProvider } from "../../storage/schema";
import type { BaseCtx, Ctx } from "../ctx";
import { encryptSecret, masterKeysOf, secretHint } from "../secrets/crypto";
import { openAndRenew } from "../secrets/rotation";
import {
  SECRET_SCHEMAS,
  type VoiceIntegrationDto,
  type VoiceIntegrationInput,
  type VoiceIntegrationPatch,
  type VoiceSecrets,
  VoiceSettings,
} from "./schemas";
import { currentLlmToken, hasLlmUrl, llmTokenColumns, rotateLlmToken } from "./tokens";
import { integrationUrls } from "./urls";
import { audit } from "../audit";

const hintsOf = (secrets: Record<string, string>) =>
  Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, secretHint(v)]));

async function requireBot(ctx: Ctx, botId: string) {
  if (!(await ctx.repos.bots.get(ctx.tenantId, botId))) throw new NotFound("bot", botId);
}

/** Whether the caller may see the integration's URLs (the custom-LLM ones carry its capability token). */
export const canSeeVoiceUrls = (ctx: Ctx) => ctx.actor.permissions.has("voice:write");

/**
 * The integration as the API shows it. URLs go only to `voice:write` holders; `token` is the one
 * just issued (create, rotate), else the current one is read (issued first for a row without one).
 */
export async function toIntegrationDto(
  ctx: Ctx,
  row: VoiceIntegrationRow,
  token?: string,
): Promise<VoiceIntegrationDto> {
  let urls: ReturnType<typeof integrationUrls> | undefined;
  if (canSeeVoiceUrls(ctx)) {
    const current = token ? { row, token } : await currentLlmToken(ctx, row);
    if (current) row = current.row;
    urls = integrationUrls(ctx.services.origin, row, current?.token);
  }
  return {
    id: row.id,
    provider: row.provider,
    botId: row.botId,
    name: row.name,
    ...(urls && { webhookUrl: urls.webhook, urls }),
    llmTokenIssuedAt: row.llmTokenIssuedAt?.toISOString() ?? null,
    secretHints: row.secretHints,
    settings: VoiceSettings.parse(row.settings),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Connects a voice provider: secrets are sealed under the tenant key and never returned. */
export async function createVoiceIntegration(ctx: Ctx, input: VoiceIntegrationInput) {
  await requireBot(ctx, input.botId);
  const now = new Date(ctx.clock.now());
  const row = await ctx.repos.voiceIntegrations.insert({
    id: newId("vint", now.getTime()),
    tenantId: ctx.tenantId,
    provider: input.provider,
    botId: input.botId,
    name: input.name ?? `${input.provider} line`,
    secretsCiphertext: await encryptSecret(masterKeysOf(ctx.config), ctx.tenantId, JSON.stringify(input.secrets)),
    secretHints: hintsOf(input.secrets),
    settings: input.settings ?? {},
    ...(await llmTokenColumns(ctx, ctx.tenantId, input.provider)),
    createdAt: now,
    updatedAt: now,
  });
  await audit(ctx, "voice.integration_created", { type: "voice_integration", id: row.id }, { provider: row.provider });
  return row;
}

export async function getVoiceIntegration(ctx: Ctx, id: string) {
  const row = hasPrefix(id, "vint") ? await ctx.repos.voiceIntegrations.get(ctx.tenantId, id) : undefined;
  if (!row) throw new NotFound("voice integration", id);
  return row;
}

export const listVoiceIntegrations = (ctx: Ctx) => ctx.repos.voiceIntegrations.list(ctx.tenantId);

export async function updateVoiceIntegration(ctx: Ctx, id: string, patch: VoiceIntegrationPatch) {
  const current = await getVoiceIntegration(ctx, id);
  if (patch.botId) await requireBot(ctx, patch.botId);
  let sealed: { secretsCiphertext: string; secretHints: Record<string, string> } | undefined;
  if (patch.secrets) {
    const merged = { ...(await openSecrets(ctx, current)), ...patch.secrets };
    const parsed = SECRET_SCHEMAS[current.provider].safeParse(merged);
    if (!parsed.success)
      throw new Invalid(
        `secrets do not fit provider ${current.provider}`,
        parsed.error.issues.map((i) => ({ path: ["secrets", ...i.path.map(String)].join("."), message: i.message })),
      );
    sealed = {
      secretsCiphertext: await encryptSecret(masterKeysOf(ctx.config), ctx.tenantId, JSON.stringify(parsed.data)),
      secretHints: hintsOf(parsed.data as Record<string, string>),
    };
  }
  const updated = await ctx.repos.voiceIntegrations.update(ctx.tenantId, id, {
    ...(patch.botId && { botId: patch.botId }),
    ...(patch.name && { name: patch.name }),
    ...(patch.settings && { settings: mergeSettings(current.settings, patch.settings) }),
    ...sealed,
    updatedAt: new Date(ctx.clock.now()),
  });
  if (!updated) throw new NotFound("voice integration", id);
  await audit(ctx, "voice.integration_updated", { type: "voice_integration", id }, { fields: Object.keys(patch) });
  return updated;
}

/** Issues a new capability token; the old URLs stop working with this write. Answers with the new token. */
export async function rotateVoiceIntegrationToken(ctx: Ctx, id: string) {
  const current = await getVoiceIntegration(ctx, id);
  if (!hasLlmUrl(current.provider))
    throw new Invalid(`${current.provider} integrations have no capability URL to rotate (requests are signed)`);
  const rotated = await rotateLlmToken(ctx, current);
  if (!rotated) throw new NotFound("voice integration", id);
  ctx.log.info("voice: capability token rotated", { integrationId: id });
  await audit(ctx, "voice.url_rotated", { type: "voice_integration", id });
  return rotated;
}

export async function deleteVoiceIntegration(ctx: Ctx, id: string) {
  const deleted = hasPrefix(id, "vint") ? await ctx.repos.voiceIntegrations.delete(ctx.tenantId, id) : undefined;
  if (!deleted) throw new NotFound("voice integration", id);
  await audit(ctx, "voice.integration_deleted", { type: "voice_integration", id });
}

/** Decrypts and re-validates an integration's secrets (JSON read back from storage is untrusted). */
export async function openSecrets<P extends VoiceProvider>(
  ctx: BaseCtx,
  row: VoiceIntegrationRow & { provider: P },
): Promise<VoiceSecrets[P]> {
  const plaintext = await openAndRenew(
    { repos: ctx.repos, keys: masterKeysOf(ctx.config), log: ctx.log },
    row.tenantId,
    row.secretsCiphertext,
    ctx.repos.sealedSecrets.renewVoiceSecrets(row.id, row.secretsCiphertext),
  );
  const json: unknown = JSON.parse(plaintext);
  return SECRET_SCHEMAS[row.provider].parse(json) as VoiceSecrets[P];
}

/** Settings after a patch: given keys replace, `null` removes (the default applies again). */
function mergeSettings(current: VoiceSettings, patch: NonNullable<VoiceIntegrationPatch["settings"]>): VoiceSettings {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  return VoiceSettings.parse(next);
}
