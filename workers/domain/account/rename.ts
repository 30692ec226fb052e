import { NotFound } from "../../lib/errors";
import { getAccount } from "./get";
import type { AccountCtx, AccountPatch } from "./schemas";

/** Changes the person's display name (shown to teammates on assignments, notes and replies). */
export async function renameAccount(ctx: AccountCtx, input: AccountPatch) {
  const row = await ctx.repos.users.setName(ctx.userId, input.name);
  if (!row) throw new NotFound("account", ctx.userId);
  return getAccount(ctx);
}
