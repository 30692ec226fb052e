import { Forbidden } from "../../lib/errors";
import type { RoomPrincipal } from "../../contracts/room-rpc";
import type { Actor, BaseCtx } from "../ctx";
import { getConversation } from "./read";
import { verifyVisitorToken } from "./visitor-token";

/**
 * Socket verbs: authenticate, authorise, then hand the upgrade to the room or hub with the
 * principal attached. Auth failures surface as Unauthorized/Forbidden (the route closes the socket
 * with 1008); another tenant's conversation is NotFound before any upgrade.
 */

/** The operator a signed-in actor (or an API key) acts as, with a display name. */
export async function operatorName(ctx: BaseCtx, actor: Actor): Promise<{ userId: string; name: string }> {
  if (actor.kind === "key") return { userId: actor.keyId, name: "API key" };
  const user = await ctx.repos.users.byId(actor.userId);
  return { userId: actor.userId, name: user?.name || user?.email || "Operator" };
}

export async function connectVisitor(ctx: BaseCtx, token: string, request: Request) {
  const scope = await verifyVisitorToken(ctx, token);
  // a token copied out of the page still only works from the bot's allowed origins (as sessions do)
  const origin = request.headers.get("origin");
  if (origin) {
    const bot = await ctx.repos.bots.get(scope.tenantId, scope.botId);
    if (!bot) throw new Forbidden("this bot no longer exists");
    if (bot.allowedOrigins.length > 0 && !bot.allowedOrigins.includes(origin))
      throw new Forbidden(`origin ${origin} is not allowed for this bot`);
  }
  const principal: RoomPrincipal = { kind: "visitor", tenantId: scope.tenantId, conversationId: scope.conversationId };
  return ctx.rooms.conversation(scope.tenantId, scope.conversationId).connect(request, principal);
}

/**
 * What an operator's socket may do, from the named permissions: reply (replies:write), note
 * (notes:write), take over / release / close (takeover:write); it may act at all if any of them.
 */
export function operatorActs(p: ReadonlySet<string>) {
  const acts = { reply: p.has("replies:write"), note: p.has("notes:write"), takeover: p.has("takeover:write") };
  return { canWrite: acts.reply || acts.note || acts.takeover, acts };
}

/** `exp`: the access token's expiry (seconds), which bounds the socket's life unless it re-authenticates. */
export async function connectOperator(
  ctx: BaseCtx & { tenantId: string; actor: Actor; exp?: number },
  conversationId: string,
  request: Request,
) {
  if (!ctx.actor.permissions.has("conversations:read"))
    throw new Forbidden("your role lacks the permission conversations:read");
  const conv = await getConversation(ctx, conversationId);
  const op = await operatorName(ctx, ctx.actor);
  const principal: RoomPrincipal = {
    kind: "operator",
    tenantId: ctx.tenantId,
    conversationId: conv.id,
    ...op,
    ...operatorActs(ctx.actor.permissions),
    ...(ctx.exp !== undefined ? { exp: ctx.exp } : {}),
  };
  return ctx.rooms.conversation(ctx.tenantId, conv.id).connect(request, principal);
}

export async function connectInbox(ctx: BaseCtx & { tenantId: string; actor: Actor; exp?: number }, request: Request) {
  if (!ctx.actor.permissions.has("conversations:read"))
    throw new Forbidden("your role lacks the permission conversations:read");
  const op = await operatorName(ctx, ctx.actor);
  return ctx.hub.connect(request, {
    tenantId: ctx.tenantId,
    ...op,
    ...(ctx.exp !== undefined ? { exp: ctx.exp } : {}),
    canTake: ctx.actor.permissions.has("takeover:write"),
  });
}
