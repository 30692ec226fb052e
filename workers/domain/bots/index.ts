import { NotFound } from "../../lib/errors";
import type { BotRow } from "../../storage/schema";
import type { Ctx } from "../ctx";
import { masterKeysOf } from "../secrets/crypto";
import { openAndRenew } from "../secrets/rotation";
import type { BotDto, BotPatch } from "./schemas";
import { audit } from "../audit";
import { deleteBotAnswerProviders } from "./answer-providers";
import { deleteAvatarModels } from "./avatar-model";

export { createBot, createBotStmts } from "./create";

export function toBotDto(b: BotRow): BotDto {
  return {
    id: b.id,
    name: b.name,
    instructions: b.instructions,
    greeting: b.greeting,
    theme: b.theme,
    settings: b.settings,
    allowedOrigins: b.allowedOrigins,
    persona: b.persona ?? null,
    avatar: { enabled: b.avatar?.enabled ?? false, model: b.avatar?.model ?? null },
    publishableKey: b.publishableKey,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
  };
}

export async function getBot(ctx: Ctx, id: string) {
  const bot = await ctx.repos.bots.get(ctx.tenantId, id);
  if (!bot) throw new NotFound("bot", id);
  return bot;
}

export const listBots = (ctx: Ctx) => ctx.repos.bots.list(ctx.tenantId);

export async function updateBot(ctx: Ctx, id: string, patch: BotPatch) {
  const current = await getBot(ctx, id);
  const updated = await ctx.repos.bots.update(ctx.tenantId, id, {
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.instructions !== undefined && { instructions: patch.instructions }),
    ...(patch.greeting !== undefined && { greeting: patch.greeting }),
    ...(patch.allowedOrigins !== undefined && { allowedOrigins: patch.allowedOrigins }),
    ...(patch.persona !== undefined && { persona: patch.persona }),
    // turning the avatar on or off keeps an uploaded model
    ...(patch.avatar !== undefined && { avatar: { ...patch.avatar, model: current.avatar?.model ?? null } }),
    ...(patch.theme && { theme: { ...current.theme, ...patch.theme } }),
    ...(patch.settings && { settings: { ...current.settings, ...patch.settings } }),
    updatedAt: new Date(ctx.clock.now()),
  });
  if (!updated) throw new NotFound("bot", id);
  await audit(ctx, "bot.updated", { type: "bot", id }, { fields: Object.keys(patch) });
  return updated;
}

export async function deleteBot(ctx: Ctx, id: string) {
  const deleted = await ctx.repos.bots.delete(ctx.tenantId, id);
  if (!deleted) throw new NotFound("bot", id);
  // its sealed provider keys and its avatar models go with it
  await deleteBotAnswerProviders(ctx, id, { quiet: true });
  await deleteAvatarModels(ctx, ctx.tenantId, id);
  await audit(ctx, "bot.deleted", { type: "bot", id });
}

/** The identity-verification secret, for the tenant's server to sign visitor ids with. */
export async function revealBotSecret(ctx: Ctx, id: string) {
  const bot = await getBot(ctx, id);
  await audit(ctx, "bot.secret_revealed", { type: "bot", id });
  return openAndRenew(
    { repos: ctx.repos, keys: masterKeysOf(ctx.config), log: ctx.log },
    ctx.tenantId,
    bot.secretCiphertext,
    ctx.repos.sealedSecrets.renewBot(bot.id, bot.secretCiphertext),
  );
}
