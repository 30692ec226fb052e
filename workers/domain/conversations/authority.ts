import type { Standing } from "../../contracts/hub";
import type { Role } from "../../storage/schema";
import { ROLE_PERMISSIONS } from "../auth/permissions";
import type { BaseCtx } from "../ctx";

/** What a role may do on a live conversation socket. */
export function standingOf(role: Role | null): Standing {
  return standingOfPermissions(role ? ROLE_PERMISSIONS[role] : undefined);
}

/** The same, from a permission set (a custom role's). */
export function standingOfPermissions(p: ReadonlySet<string> | undefined): Standing {
  if (!p?.has("conversations:read")) return "revoked";
  return p.has("replies:write") || p.has("notes:write") || p.has("takeover:write") ? "write" : "read_only";
}

/**
 * Authority reaches live sockets: after a role change, a removal or a key revocation the tenant hub
 * closes the principal's inbox sockets (4001/4003) and tells every room where it holds a socket,
 * which then refuses its frames at once. Awaited, so the change is in force when the verb returns.
 */
export async function announceAuthority(ctx: BaseCtx & { tenantId: string }, principal: string, standing: Standing) {
  await ctx.hub
    .authorityChanged(ctx.tenantId, principal, standing)
    .catch((err: unknown) => ctx.log.error("authority: hub not told", { error: String(err), principal, standing }));
}
