import { randomToken } from "../../../lib/ids";
import type { BaseCtx } from "../../ctx";

/**
 * A workspace's inbound address: `<slug>@<EMAIL_INBOUND_DOMAIN>`, the slug made from its name plus a
 * random suffix (names are not unique) the first time it is asked for. One catch-all routing rule
 * sends every address of the domain to the Worker's email() handler, which looks the slug up.
 * `slug+anything@` reaches the same workspace (plus addressing).
 */
export async function ensureEmailInbox(ctx: BaseCtx, tenantId: string): Promise<{ address: string }> {
  const repo = ctx.repos.email;
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await repo.inbox(tenantId);
    if (found) return { address: inboundAddress(ctx, found.localPart) };
    const tenant = await ctx.repos.tenants.get(tenantId);
    const base = slugOf(tenant?.name ?? "workspace");
    await repo.insertInbox({ tenantId, localPart: `${base}-${randomToken(5)}`, createdAt: new Date(ctx.clock.now()) });
  }
  throw new Error("email inbox: could not allocate an address");
}

export const inboundAddress = (ctx: BaseCtx, localPart: string) => `${localPart}@${ctx.config.emailInboundDomain}`;

/** The local part of a recipient at the inbound domain, plus tag removed; null for other domains. */
export function localPartOf(ctx: BaseCtx, recipient: string): string | null {
  const addr = recipient.trim().replace(/^<|>$/g, "").toLowerCase();
  const at = addr.lastIndexOf("@");
  if (at < 1 || addr.slice(at + 1) !== ctx.config.emailInboundDomain.toLowerCase()) return null;
  return addr.slice(0, at).split("+")[0] ?? null;
}

function slugOf(name: string): string {
  const s = name
    .normalize("NFKD")
    .replace(/[^\w\s-]/g, "")
    .toLowerCase()
    .replace(/[\s_]+/g, "-")
    .replace(/[^a-z0-9-]/g, "")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 30);
  return s || "workspace";
}
