import { avatarModelUrl } from "../bots/avatar-model";
import { fromHex, hmac, sha256Hex, timingSafeEqual } from "../../lib/crypto";
import { mayUse } from "../billing/may-tenant";
import { botLanguage, greetingOf, personaName } from "../knowledge/persona";
import { Forbidden, NotFound, RateLimited, Unauthorized } from "../../lib/errors";
import { hasPrefix, newId, randomToken } from "../../lib/ids";
import type { BotRow, ConversationRow, VisitorInfo } from "../../storage/schema";
import type { BaseCtx } from "../ctx";
import { masterKeysOf } from "../secrets/crypto";
import { openAndRenew } from "../secrets/rotation";
import { type SessionDto, type SessionInput, VISITOR_TOKEN_TTL_SECONDS } from "./schemas";
import { signVisitorToken } from "./visitor-token";

/** The bot a publishable key names, checked against the page's origin. */
export async function botForWidget(ctx: BaseCtx, botKey: string, origin: string | undefined): Promise<BotRow> {
  const bot = await ctx.repos.bots.byPublishableKey(botKey);
  if (!bot) throw new Unauthorized("unknown bot key");
  // no list configured = any origin (local use); requests without Origin are not from a browser page
  if (origin && bot.allowedOrigins.length > 0 && !bot.allowedOrigins.includes(origin)) {
    throw new Forbidden(`origin ${origin} is not allowed for this bot`);
  }
  return bot;
}

/**
 * Identity verification: the tenant's server signs `${userId}:${expiresAt}` with the bot's secret
 * (HMAC-SHA256, hex); a valid, unexpired hash makes the visitor that user. Compared in constant time.
 */
export async function verifyIdentity(
  ctx: BaseCtx,
  bot: BotRow,
  identity: NonNullable<SessionInput["identity"]>,
): Promise<string> {
  if (identity.expiresAt * 1000 <= ctx.clock.now()) throw new Unauthorized("identity hash has expired");
  const secret = await openAndRenew(
    { repos: ctx.repos, keys: masterKeysOf(ctx.config), log: ctx.log },
    bot.tenantId,
    bot.secretCiphertext,
    ctx.repos.sealedSecrets.renewBot(bot.id, bot.secretCiphertext),
  );
  const expected = await hmac("SHA-256", secret, `${identity.userId}:${identity.expiresAt}`);
  if (!timingSafeEqual(expected, fromHex(identity.hash.toLowerCase())))
    throw new Unauthorized("identity hash does not match");
  return identity.userId;
}

/** A resumed conversation must be this bot's and this visitor's (visitor token or verified user id). */
async function ownedConversation(
  ctx: BaseCtx,
  bot: BotRow,
  input: SessionInput,
  userId: string | undefined,
): Promise<ConversationRow> {
  const id = input.conversationId!;
  const conv = hasPrefix(id, "conv") ? await ctx.repos.conversations.get(bot.tenantId, id) : undefined;
  if (!conv || conv.botId !== bot.id) throw new NotFound("conversation", id);
  const byToken =
    input.visitorToken &&
    conv.visitorKeyHash &&
    timingSafeEqual(await sha256Hex(input.visitorToken), conv.visitorKeyHash);
  const byUser = userId !== undefined && conv.visitor.verified === true && conv.visitor.userId === userId;
  if (!byToken && !byUser) throw new NotFound("conversation", id);
  return conv;
}

/**
 * POST /api/widget/sessions: creates or resumes a conversation and hands out a visitor token.
 * `client` identifies the caller (its IP) for the per-bot session rate limit.
 */
export async function startWidgetSession(
  ctx: BaseCtx,
  input: SessionInput,
  origin: string | undefined,
  client = "unknown",
): Promise<SessionDto> {
  const bot = await botForWidget(ctx, input.botKey, origin);
  const { success } = await ctx.services.rateLimits.api.limit({ key: `widget:${bot.id}:${client}` });
  if (!success) throw new RateLimited("too many widget sessions from this address; slow down", 60);
  const userId = input.identity ? await verifyIdentity(ctx, bot, input.identity) : undefined;
  const visitorToken = input.visitorToken ?? `vt_${randomToken(32)}`;
  let conversationId: string;
  let resumed = false;
  if (input.conversationId) {
    conversationId = (await ownedConversation(ctx, bot, input, userId)).id;
    resumed = true;
    // details the visitor gave since the start (identify, email capture) reach the conversation
    if (input.visitor || userId) {
      await ctx.rooms.conversation(bot.tenantId, conversationId).updateVisitor(bot.tenantId, {
        ...input.visitor,
        ...(userId ? { userId, verified: true } : {}),
      });
    }
  } else {
    conversationId = newId("conv", ctx.clock.now());
    const visitor: VisitorInfo = { ...input.visitor, ...(userId ? { userId, verified: true } : {}) };
    await ctx.rooms.conversation(bot.tenantId, conversationId).init({
      tenantId: bot.tenantId,
      conversationId,
      botId: bot.id,
      channel: "chat",
      visitor,
      visitorKeyHash: await sha256Hex(visitorToken),
      ...(bot.avatar?.enabled ? { avatar: true } : {}),
    });
  }
  const [token, whiteLabel] = await Promise.all([
    signVisitorToken(ctx, { tenantId: bot.tenantId, botId: bot.id, conversationId }),
    // white-label (a plan feature) removes the Echo mark; billing off locks no feature, so no mark
    mayUse({ ...ctx, tenantId: bot.tenantId }, { kind: "feature", feature: "white_label" }),
  ]);
  const wsOrigin = ctx.services.origin.replace(/^http/, "ws");
  return {
    token,
    expiresIn: VISITOR_TOKEN_TTL_SECONDS,
    conversationId,
    wsUrl: `${wsOrigin}/api/widget/ws?token=${encodeURIComponent(token)}`,
    visitorToken,
    resumed,
    bot: {
      id: bot.id,
      name: personaName(bot),
      greeting: greetingOf(bot),
      theme: bot.theme,
      // the persona's language is the bot's language (the widget's strings follow it)
      settings: { ...bot.settings, language: botLanguage(bot) },
      avatar: {
        enabled: bot.avatar?.enabled === true,
        model: bot.avatar?.enabled ? avatarModelUrl(ctx.services.origin, bot) : null,
      },
      poweredBy: whiteLabel ? null : `${ctx.services.origin}/`,
    },
  };
}
