import { z } from "@hono/zod-openapi";
import { NotFound } from "../../lib/errors";
import type { OpenAiSettings } from "../../providers";
import { DEFAULT_OPENAI_MODEL } from "../../providers/answer/openai";
import { providerSecretsRepo } from "../../storage/knowledge-repo";
import type { Ctx } from "../ctx";
import { encryptSecret, masterKeysOf, secretHint } from "../secrets/crypto";
import { openAndRenew, renewTenantSecret } from "../secrets/rotation";
import type { AnswerCtx } from "./answer-types";
import { audit } from "../audit";

/**
 * A tenant's own OpenAI-compatible answer provider. The key is AES-GCM encrypted in
 * `tenant_secrets` (name "openai") and never leaves the server again: reads show only a hint.
 */
export const OPENAI_SECRET = "openai";

export const OpenAiSettingsInput = z
  .object({
    apiKey: z.string().trim().min(8).max(400),
    baseURL: z
      .url({ protocol: /^https?$/ })
      .max(300)
      .optional(),
    model: z.string().trim().min(1).max(100).default(DEFAULT_OPENAI_MODEL),
  })
  .strict()
  .openapi("OpenAiSettingsInput");
export type OpenAiSettingsInput = z.infer<typeof OpenAiSettingsInput>;

export const ProviderSettingsDto = z
  .object({
    provider: z.literal("openai"),
    baseURL: z.string().nullable(),
    model: z.string(),
    keyHint: z.string(),
    updatedAt: z.string(),
  })
  .openapi("ProviderSettings");
export type ProviderSettingsDto = z.infer<typeof ProviderSettingsDto>;

const Stored = z.object({ baseURL: z.string().optional(), model: z.string() });

export async function saveOpenAiSettings(ctx: Ctx, input: OpenAiSettingsInput): Promise<ProviderSettingsDto> {
  const row = await providerSecretsRepo(ctx.db).upsert({
    tenantId: ctx.tenantId,
    name: OPENAI_SECRET,
    ciphertext: await encryptSecret(masterKeysOf(ctx.config), ctx.tenantId, input.apiKey),
    settings: { model: input.model, ...(input.baseURL ? { baseURL: input.baseURL } : {}) },
    hint: secretHint(input.apiKey),
    updatedAt: new Date(ctx.clock.now()),
  });
  await audit(ctx, "settings.providers_changed", { type: "provider", id: "openai" }, { model: input.model });
  return toDto(row);
}

export async function getOpenAiSettings(ctx: Ctx): Promise<ProviderSettingsDto> {
  const row = await providerSecretsRepo(ctx.db).get(ctx.tenantId, OPENAI_SECRET);
  if (!row) throw new NotFound("provider settings", OPENAI_SECRET);
  return toDto(row);
}

export async function deleteOpenAiSettings(ctx: Ctx): Promise<void> {
  const row = await providerSecretsRepo(ctx.db).delete(ctx.tenantId, OPENAI_SECRET);
  if (!row) throw new NotFound("provider settings", OPENAI_SECRET);
  await audit(ctx, "settings.providers_changed", { type: "provider", id: "openai" }, { deleted: true });
}

/** The decrypted settings for the answerer, or null when the tenant has none. */
export async function loadOpenAiSettings(ctx: AnswerCtx): Promise<OpenAiSettings | null> {
  const row = await providerSecretsRepo(ctx.db).get(ctx.tenantId, OPENAI_SECRET);
  if (!row) return null;
  const s = Stored.parse(row.settings);
  return {
    apiKey: await openAndRenew(
      { db: ctx.db, keys: masterKeysOf(ctx.config), log: ctx.log },
      ctx.tenantId,
      row.ciphertext,
      renewTenantSecret(ctx.db, ctx.tenantId, OPENAI_SECRET, row.ciphertext),
    ),
    baseURL: s.baseURL,
    model: s.model,
  };
}

function toDto(row: { settings: Record<string, string>; hint: string; updatedAt: Date }): ProviderSettingsDto {
  const s = Stored.parse(row.settings);
  return {
    provider: "openai",
    baseURL: s.baseURL ?? null,
    model: s.model,
    keyHint: row.hint,
    updatedAt: row.updatedAt.toISOString(),
  };
}
