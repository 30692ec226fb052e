import type { BaseCtx } from "../ctx";
import type { RenderedMail } from "./templates";

/** Sends a rendered template to one address through the mail port chosen for this request. */
export async function sendMail(
  ctx: BaseCtx,
  input: { tenantId: string | null; to: string; mail: RenderedMail; headers?: Record<string, string> },
) {
  const sent = await ctx.services.mail.send({
    tenantId: input.tenantId,
    to: input.to,
    subject: input.mail.subject,
    text: input.mail.text,
    html: input.mail.html,
    headers: { "Auto-Submitted": "auto-generated", ...input.headers },
  });
  ctx.log.info("mail sent", { via: ctx.services.mail.kind, tenantId: input.tenantId, subject: input.mail.subject });
  return sent;
}

/** The dashboard link a mail points at (`/app/<path>?token=…`). */
export function appLink(ctx: BaseCtx, path: string, token?: string) {
  const u = new URL(`/app/${path}`, ctx.services.origin || "http://localhost");
  if (token) u.searchParams.set("token", token);
  return u.toString();
}

/** Mailed tokens are echoed in API responses only in development, so local scripts need no mail server. */
export const echoesMailedTokens = (ctx: BaseCtx) => ctx.config.environment === "development";
