import { z } from "@hono/zod-openapi";
import { checkUrl, EgressRefused, egressFetcher, egressPolicyOf } from "../../lib/egress";
import { Invalid, NotFound } from "../../lib/errors";
import type { OpenAiSettings } from "../../providers";
import { DEFAULT_OPENAI_MODEL } from "../../providers/answer/openai";
import type { Ctx } from "../ctx";
import { encryptSecret, masterKeysOf, secretHint } from "../secrets/crypto";
import { openAndRenew } from "../secrets/rotation";
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

/**
 * The tenant's endpoint receives the tenant's key and our prompts: it must pass the egress policy
 * when saved (spelling: scheme, local names, private literals) and on every call (resolved
 * addresses in production, redirects, byte cap). A failing upstream's body never reaches the caller:
 * the SDK sees `upstream answered HTTP <status>` instead (lib/egress.ts, opaqueErrors).
 */
export const MODEL_RESPONSE_MAX_BYTES = 4 * 1024 * 1024;
export const MODEL_EGRESS_TIMEOUT_MS = 90_000;

export async function saveOpenAiSettings(ctx: Ctx, input: OpenAiSettingsInput): Promise<ProviderSettingsDto> {
  if (input.baseURL) {
    try {
      checkUrl(egressPolicyOf(ctx.config), input.baseURL);
    } catch (err) {
      if (!(err instanceof EgressRefused)) throw err;
      throw new Invalid("this baseURL cannot be used", [{ path: "baseURL", message: err.message }]);
    }
  }
  const row = await ctx.repos.providerSecrets.upsert({
    tenantId: ctx.tenantId,
    name: OPENAI_SECRET,
    ciphertext: await encryptSecret(masterKeysOf(ctx.config), ctx.tenantId, input.apiKey),
    settings: { model: input.model, ...(input.baseURL ? { baseURL: input.baseURL } : {}) },
    hint: secretHint(input.apiKey),
    updatedAt: new Date(ctx.clock.now()),
  });
  ctx.providers.invalidate(ctx.tenantId);
  await audit(ctx, "settings.providers_changed", { type: "provider", id: "openai" }, { model: input.model });
  return toDto(row);
}

export async function getOpenAiSettings(ctx: Ctx): Promise<ProviderSettingsDto> {
  const row = await ctx.repos.providerSecrets.get(ctx.tenantId, OPENAI_SECRET);
  if (!row) throw new NotFound("provider settings", OPENAI_SECRET);
  return toDto(row);
}

export async function deleteOpenAiSettings(ctx: Ctx): Promise<void> {
  const row = await ctx.repos.providerSecrets.delete(ctx.tenantId, OPENAI_SECRET);
  if (!row) throw new NotFound("provider settings", OPENAI_SECRET);
  ctx.providers.invalidate(ctx.tenantId);
  await audit(ctx, "settings.providers_changed", { type: "provider", id: "openai" }, { deleted: true });
}

/** The decrypted settings, or null when the tenant has none. Called by the providers factory only (cached per isolate). */
export async function loadOpenAiSettings(
  ctx: Pick<AnswerCtx, "repos" | "config" | "tenantId" | "log">,
): Promise<OpenAiSettings | null> {
  const row = await ctx.repos.providerSecrets.get(ctx.tenantId, OPENAI_SECRET);
  if (!row) return null;
  const s = Stored.parse(row.settings);
  return {
    apiKey: await openAndRenew(
      { repos: ctx.repos, keys: masterKeysOf(ctx.config), log: ctx.log },
      ctx.tenantId,
      row.ciphertext,
      ctx.repos.sealedSecrets.renewTenant(ctx.tenantId, OPENAI_SECRET, row.ciphertext),
    ),
    baseURL: s.baseURL,
    model: s.model,
    fetch: egressFetcher(egressPolicyOf(ctx.config), {
      maxBytes: MODEL_RESPONSE_MAX_BYTES,
      timeoutMs: MODEL_EGRESS_TIMEOUT_MS,
      opaqueErrors: true,
    }),
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
