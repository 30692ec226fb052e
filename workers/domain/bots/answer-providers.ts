import { z } from "@hono/zod-openapi";
import { checkUrl, EgressRefused, egressFetcher, egressPolicyOf } from "../../lib/egress";
import { Invalid, NotFound } from "../../lib/errors";
import type { BotProviderSettings } from "../../providers";
import { ANSWER_PROVIDERS } from "../../providers/answer/chain";
import type { AnswerCtx } from "../knowledge/answer-types";
import { MODEL_EGRESS_TIMEOUT_MS, MODEL_RESPONSE_MAX_BYTES } from "../knowledge/provider-settings";
import type { Ctx } from "../ctx";
import { encryptSecret, masterKeysOf, secretHint } from "../secrets/crypto";
import { openAndRenew } from "../secrets/rotation";
import { audit } from "../audit";

/**
 * A bot's own answer providers: a chain of at most two models (primary, secondary) tried in order
 * before the embedded answerer (providers/answer/fallback.ts). Each link's key is AES-GCM sealed in
 * `tenant_secrets` under `bot_answer:<botId>:<n>` (so MASTER_KEY rotation re-seals it like every
 * tenant secret) and never leaves the server again: reads show a hint. Anthropic and Gemini links
 * call ANTHROPIC_API_BASE / GEMINI_API_BASE; an OpenAI-compatible link may name its own baseURL,
 * checked against the egress policy when saved and on every call.
 */
export const MAX_CHAIN = 2;
const slotName = (botId: string, n: number) => `bot_answer:${botId}:${n}`;
const slotNames = (botId: string) => Array.from({ length: MAX_CHAIN }, (_, i) => slotName(botId, i + 1));

export const AnswerProviderLink = z
  .object({
    provider: z.enum(ANSWER_PROVIDERS),
    model: z.string().trim().min(1).max(100),
    /**
     * Omitted: keep the key already saved for this bot with the same provider and endpoint (a model
     * change or a reorder needs no key re-entered; a key never follows a link to another endpoint).
     */
    apiKey: z.string().trim().min(8).max(400).optional(),
    /** OpenAI-compatible links only: the endpoint (default https://api.openai.com/v1). */
    baseURL: z
      .url({ protocol: /^https?$/ })
      .max(300)
      .optional(),
  })
  .strict()
  .refine((l) => l.provider === "openai" || l.baseURL === undefined, {
    message: "baseURL is for OpenAI-compatible providers; Anthropic and Gemini use the deployment's API origin",
    path: ["baseURL"],
  });

export const AnswerProvidersInput = z
  .object({ chain: z.array(AnswerProviderLink).min(1).max(MAX_CHAIN) })
  .strict()
  .openapi("AnswerProvidersInput");
export type AnswerProvidersInput = z.infer<typeof AnswerProvidersInput>;

export const AnswerProvidersDto = z
  .object({
    botId: z.string(),
    /** In order; after the last link the embedded answerer answers. */
    chain: z.array(
      z.object({
        provider: z.enum(ANSWER_PROVIDERS),
        model: z.string(),
        baseURL: z.string().nullable(),
        keyHint: z.string(),
        updatedAt: z.string(),
      }),
    ),
  })
  .openapi("AnswerProviders");
export type AnswerProvidersDto = z.infer<typeof AnswerProvidersDto>;

const Stored = z.object({ provider: z.enum(ANSWER_PROVIDERS), model: z.string(), baseURL: z.string().optional() });

async function botOf(ctx: Pick<Ctx, "repos" | "tenantId">, botId: string) {
  const bot = await ctx.repos.bots.get(ctx.tenantId, botId);
  if (!bot) throw new NotFound("bot", botId);
  return bot;
}

/** Replaces the bot's chain in one batch (all links or none). */
export async function setBotAnswerProviders(
  ctx: Ctx,
  botId: string,
  input: AnswerProvidersInput,
): Promise<AnswerProvidersDto> {
  const parsed = AnswerProvidersInput.parse(input);
  await botOf(ctx, botId);
  const policy = egressPolicyOf(ctx.config);
  parsed.chain.forEach((l, i) => {
    if (!l.baseURL) return;
    try {
      checkUrl(policy, l.baseURL);
    } catch (err) {
      if (!(err instanceof EgressRefused)) throw err;
      throw new Invalid("this baseURL cannot be used", [{ path: `chain.${i}.baseURL`, message: err.message }]);
    }
  });
  const keys = masterKeysOf(ctx.config);
  const updatedAt = new Date(ctx.clock.now());
  const p = ctx.repos.providerSecrets;
  // a link without a key keeps the saved one of the same provider and endpoint (sealed under the
  // tenant key, so the ciphertext moves between slots without being opened)
  const saved = parsed.chain.some((l) => l.apiKey === undefined) ? await p.getMany(ctx.tenantId, slotNames(botId)) : [];
  const keptFor = (l: (typeof parsed.chain)[number]) =>
    saved.find((r) => {
      const s = Stored.safeParse(r.settings);
      return s.success && s.data.provider === l.provider && (s.data.baseURL ?? undefined) === (l.baseURL ?? undefined);
    });
  const missing = parsed.chain.flatMap((l, i) => (l.apiKey === undefined && !keptFor(l) ? [i] : []));
  if (missing.length)
    throw new Invalid(
      "an API key is needed",
      missing.map((i) => ({
        path: `chain.${i}.apiKey`,
        message: "no key is saved for this provider and endpoint on this bot: enter one",
      })),
    );
  const rows = await Promise.all(
    parsed.chain.map(async (l, i) => {
      const kept = l.apiKey === undefined ? keptFor(l)! : undefined;
      return {
        tenantId: ctx.tenantId,
        name: slotName(botId, i + 1),
        ciphertext: kept ? kept.ciphertext : await encryptSecret(keys, ctx.tenantId, l.apiKey!),
        settings: { provider: l.provider, model: l.model, ...(l.baseURL ? { baseURL: l.baseURL } : {}) },
        hint: kept ? kept.hint : secretHint(l.apiKey!),
        updatedAt,
      };
    }),
  );
  await ctx.repos.batch([
    p.deleteManyStmt(ctx.tenantId, slotNames(botId)),
    ...rows.map((r) => p.insertStmt(r)),
    ctx.repos.bots.bumpVersionStmt(ctx.tenantId, botId),
  ] as never);
  ctx.providers.invalidate(ctx.tenantId);
  await audit(
    ctx,
    "settings.providers_changed",
    { type: "bot", id: botId },
    {
      chain: parsed.chain.map((l) => `${l.provider}:${l.model}`).join(" > "),
      keysChanged: parsed.chain.filter((l) => l.apiKey !== undefined).length,
    },
  );
  return toDto(botId, rows);
}

export async function getBotAnswerProviders(ctx: Ctx, botId: string): Promise<AnswerProvidersDto> {
  await botOf(ctx, botId);
  return toDto(botId, await ctx.repos.providerSecrets.getMany(ctx.tenantId, slotNames(botId)));
}

/** Back to the workspace's provider; also called when the bot is deleted. */
export async function deleteBotAnswerProviders(ctx: Ctx, botId: string, opts: { quiet?: boolean } = {}) {
  await ctx.repos.batch([
    ctx.repos.providerSecrets.deleteManyStmt(ctx.tenantId, slotNames(botId)),
    ctx.repos.bots.bumpVersionStmt(ctx.tenantId, botId),
  ] as never);
  ctx.providers.invalidate(ctx.tenantId);
  if (!opts.quiet) await audit(ctx, "settings.providers_changed", { type: "bot", id: botId }, { deleted: true });
}

/** The decrypted chain in order (empty: none). Called by the providers factory only (cached per isolate). */
export async function loadBotAnswerChain(
  ctx: Pick<AnswerCtx, "repos" | "config" | "tenantId" | "log">,
  botId: string,
): Promise<BotProviderSettings[]> {
  const rows = (await ctx.repos.providerSecrets.getMany(ctx.tenantId, slotNames(botId))).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  if (rows.length === 0) return [];
  const fetch = egressFetcher(egressPolicyOf(ctx.config), {
    maxBytes: MODEL_RESPONSE_MAX_BYTES,
    timeoutMs: MODEL_EGRESS_TIMEOUT_MS,
    opaqueErrors: true,
  });
  const keys = masterKeysOf(ctx.config);
  return Promise.all(
    rows.map(async (row) => {
      const s = Stored.parse(row.settings);
      const apiKey = await openAndRenew(
        { repos: ctx.repos, keys, log: ctx.log },
        ctx.tenantId,
        row.ciphertext,
        ctx.repos.sealedSecrets.renewTenant(ctx.tenantId, row.name, row.ciphertext),
      );
      const baseURL =
        s.provider === "anthropic"
          ? ctx.config.anthropicApiBase
          : s.provider === "gemini"
            ? ctx.config.geminiApiBase
            : s.baseURL;
      return { provider: s.provider, model: s.model, apiKey, fetch, ...(baseURL ? { baseURL } : {}) };
    }),
  );
}

function toDto(
  botId: string,
  rows: { name: string; settings: Record<string, string>; hint: string; updatedAt: Date }[],
): AnswerProvidersDto {
  return {
    botId,
    chain: [...rows]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((r) => {
        const s = Stored.parse(r.settings);
        return {
          provider: s.provider,
          model: s.model,
          baseURL: s.baseURL ?? null,
          keyHint: r.hint,
          updatedAt: r.updatedAt.toISOString(),
        };
      }),
  };
}
