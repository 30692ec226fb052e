import { NotFound } from "../../lib/errors";
import { listWorkspaces } from "../auth/session";
import { type AccountCtx, type AccountDto, SSO_ONLY } from "./schemas";

/** The signed-in person's account: who they are, whether they have a password, their workspaces. */
export async function getAccount(ctx: AccountCtx): Promise<AccountDto> {
  const user = await ctx.repos.users.byId(ctx.userId);
  if (!user) throw new NotFound("account", ctx.userId);
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    hasPassword: user.passwordHash !== SSO_ONLY,
    workspaces: await listWorkspaces(ctx, user.id),
  };
}
