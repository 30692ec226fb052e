import { Forbidden } from "../../lib/errors";
import type { Ctx } from "../ctx";

/**
 * The workspace's mail in the local outbox, newest first. Admins only, and never an API key: the
 * mail carries invitation links, which would let a key holder join the team.
 */
export async function listOutbox(ctx: Ctx) {
  if (ctx.actor.kind !== "user") throw new Forbidden("API keys cannot read the outbox; sign in as an admin");
  const rows = await ctx.repos.outbox.list(ctx.tenantId);
  return rows.map((r) => ({
    to: r.to,
    subject: r.subject,
    text: r.text,
    html: r.html,
    headers: r.headers,
    messageId: r.messageId,
    sentAt: r.sentAt.toISOString(),
  }));
}
