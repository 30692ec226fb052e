import { z } from "zod";
import { Unauthorized } from "../../lib/errors";
import { signScopedToken, verifyScopedToken } from "../auth/tokens";
import type { BaseCtx } from "../ctx";
import { UPLOAD_URL_TTL_SECONDS, VISITOR_TOKEN_TTL_SECONDS } from "./schemas";

/** A visitor token binds one tenant, bot and conversation (audience "visitor"). */
const VisitorClaims = z.object({ tid: z.string(), bid: z.string(), cid: z.string() });
export type VisitorScope = { tenantId: string; botId: string; conversationId: string };

export function signVisitorToken(ctx: BaseCtx, s: VisitorScope) {
  return signScopedToken(
    ctx.config.appSecret,
    "visitor",
    { tid: s.tenantId, bid: s.botId, cid: s.conversationId },
    VISITOR_TOKEN_TTL_SECONDS,
    ctx.clock.now(),
  );
}

export async function verifyVisitorToken(ctx: BaseCtx, token: string): Promise<VisitorScope> {
  const claims = VisitorClaims.safeParse(
    await verifyScopedToken(ctx.config.appSecret, "visitor", token, ctx.clock.now()),
  );
  if (!claims.success) throw new Unauthorized("visitor token is invalid");
  return { tenantId: claims.data.tid, botId: claims.data.bid, conversationId: claims.data.cid };
}

/** An upload URL's signature (audience "upload"): one attachment id, its declared type and size. */
const UploadClaims = z.object({
  tid: z.string(),
  cid: z.string(),
  aid: z.string(),
  name: z.string(),
  type: z.string(),
  size: z.number(),
});
export type UploadScope = {
  tenantId: string;
  conversationId: string;
  attachmentId: string;
  name: string;
  type: string;
  size: number;
};

export function signUploadToken(ctx: BaseCtx, s: UploadScope) {
  return signScopedToken(
    ctx.config.appSecret,
    "upload",
    { tid: s.tenantId, cid: s.conversationId, aid: s.attachmentId, name: s.name, type: s.type, size: s.size },
    UPLOAD_URL_TTL_SECONDS,
    ctx.clock.now(),
  );
}

export async function verifyUploadToken(ctx: BaseCtx, token: string): Promise<UploadScope> {
  const c = UploadClaims.safeParse(await verifyScopedToken(ctx.config.appSecret, "upload", token, ctx.clock.now()));
  if (!c.success) throw new Unauthorized("upload URL is invalid");
  return {
    tenantId: c.data.tid,
    conversationId: c.data.cid,
    attachmentId: c.data.aid,
    name: c.data.name,
    type: c.data.type,
    size: c.data.size,
  };
}
