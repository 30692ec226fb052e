import { NotFound } from "../../lib/errors";
import { hasPrefix } from "../../lib/ids";
import type { VoiceCallRow } from "../../storage/schema";
import type { BaseCtx } from "../ctx";

/** The call of this tenant, or 404 (another tenant's id answers exactly like a missing one). */
export async function getCall(ctx: Pick<BaseCtx, "repos">, tenantId: string, id: string): Promise<VoiceCallRow> {
  const row = hasPrefix(id, "call") ? await ctx.repos.voiceCalls.get(tenantId, id) : undefined;
  if (!row) throw new NotFound("call", id);
  return row;
}
