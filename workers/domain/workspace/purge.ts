import type { Clock } from "../../lib/clock";
import { TENANT_TABLES, type TenantTable } from "../../storage/workspace-repo";
import type { BaseCtx } from "../ctx";
import { deletePrefix, type EraseCtx, eraseConversations } from "../privacy/erase";

/**
 * What the purge needs: the erase path's ports (D1, R2, rooms), the hub and a clock; and the
 * providers when the deployment keeps vectors outside D1 (Vectorize in production).
 */
export type PurgeCtx = EraseCtx &
  Pick<BaseCtx, "hub" | "knowledge"> & { clock: Clock; providers?: Pick<BaseCtx["providers"], "externalVectorIndex"> };

/** Vector ids one remove call takes (Vectorize's deleteByIds is batched below this too). */
const VECTOR_PAGE = 1000;

/**
 * Removes the workspace's vectors from an external index (Vectorize keys them by chunk seq, which
 * only D1 knows), so this runs while the chunk rows still exist; a failure throws and holds the
 * purge back — the chunk rows stay and the next run tries again — rather than orphaning vectors.
 */
async function purgeExternalVectors(ctx: PurgeCtx, tenantId: string): Promise<number> {
  const index = ctx.providers?.externalVectorIndex();
  if (!index) return 0;
  let n = 0;
  for (let after = 0; ;) {
    const seqs = await ctx.repos.workspace.chunkSeqs(tenantId, after, VECTOR_PAGE);
    if (!seqs.length) return n;
    await index.remove(tenantId, "", seqs);
    n += seqs.length;
    after = seqs.at(-1)!;
  }
}

/** Workspaces one cron run works on; the rest wait for the next hour. */
export const MAX_WORKSPACES_PER_RUN = 5;
/** Conversations (rooms) one run erases per workspace; a larger workspace continues next run. */
export const MAX_CONVERSATIONS_PER_RUN = 2000;
const CONVERSATION_PAGE = 100;

/**
 * The R2 prefixes a workspace's objects live under, one per key builder: attachments
 * (`attachmentKey`: `conversations/<t>/<conv>/<id>`), call recordings (`voice/finish.ts`:
 * `voice/<t>/<call>/recording`), knowledge originals (`r2KeyOf`: `knowledge/<t>/<doc>`) and
 * commerce data-request archives (`dataRequestKey`: `commerce/<t>/<connection>/data-requests/…`).
 * The trailing slash keeps one tenant id from matching another that starts with it.
 */
export function workspacePrefixes(tenantId: string): string[] {
  return [
    `conversations/${tenantId}/`,
    `voice/${tenantId}/`,
    `knowledge/${tenantId}/`,
    `commerce/${tenantId}/`,
    `avatars/${tenantId}/`,
  ];
}

export type PurgeResult = {
  tenantId: string;
  /** True when the tenant row is gone: nothing of the workspace remains in D1, R2 or its objects. */
  done: boolean;
  conversations: number;
  messages: number;
  rooms: number;
  files: number;
  rows: number;
  indexRows: number;
  /** Vectors removed from an external index (none without one). */
  vectors: number;
  hubEvents: number;
};

async function purgeTables(ctx: PurgeCtx, tenantId: string, tables: readonly TenantTable[]) {
  let rows = 0;
  for (const table of tables) {
    let n: number;
    do {
      n = await ctx.repos.workspace.purgeChunk(table, tenantId);
      rows += n;
    } while (n > 0);
  }
  return rows;
}

/**
 * Purges one workspace whose grace period has passed. Order: what grants access or takes traffic
 * (members, sessions, keys, bots, channels, secrets) goes first, so nothing new arrives; then each
 * conversation through the privacy erase path (its room's storage and alarm, attachments and
 * recordings, its D1 rows); then the vectors in an external index; then every object under the workspace's R2 prefixes, every other
 * tenant table, orphan FTS rows and the tenant hub's storage; the tenant row last, and only when no
 * tenant table holds a row of it. Every step is idempotent: a run cut off anywhere (or stopped at
 * `maxConversations`) leaves the tenant row, so the next run finds the workspace due and continues.
 */
export async function purgeWorkspace(
  ctx: PurgeCtx,
  tenantId: string,
  opts: { maxConversations?: number } = {},
): Promise<PurgeResult> {
  const r: PurgeResult = {
    tenantId,
    done: false,
    conversations: 0,
    messages: 0,
    rooms: 0,
    files: 0,
    rows: 0,
    indexRows: 0,
    vectors: 0,
    hubEvents: 0,
  };
  const split = TENANT_TABLES.indexOf("conversations");
  r.rows += await purgeTables(ctx, tenantId, TENANT_TABLES.slice(0, split));
  const budget = opts.maxConversations ?? MAX_CONVERSATIONS_PER_RUN;
  while (r.conversations < budget) {
    const ids = await ctx.repos.workspace.conversationIds(
      tenantId,
      Math.min(CONVERSATION_PAGE, budget - r.conversations),
    );
    if (!ids.length) break;
    const erased = await eraseConversations(ctx, tenantId, ids);
    r.conversations += erased.conversations;
    r.messages += erased.messages;
    r.rooms += erased.rooms;
    r.files += erased.files;
  }
  if ((await ctx.repos.workspace.conversationIds(tenantId, 1)).length) return r;
  r.vectors += await purgeExternalVectors(ctx, tenantId);
  for (const prefix of workspacePrefixes(tenantId)) r.files += await deletePrefix(ctx.services.files, prefix);
  r.rows += await purgeTables(ctx, tenantId, TENANT_TABLES);
  r.indexRows += await ctx.repos.workspace.purgeSearchIndexes(tenantId);
  r.hubEvents += (await ctx.hub.erase(tenantId)).events;
  r.indexRows += (await ctx.knowledge.erase(tenantId)).chunks;
  if ((await ctx.repos.workspace.remaining(tenantId)) > 0) return r;
  await ctx.repos.workspace.deleteTenant(tenantId);
  r.done = true;
  return r;
}

/**
 * The hourly job: purges the workspaces whose grace period has passed. A failure in one workspace
 * is logged and holds back none of the others (it is retried next run). No audit entry survives a
 * purge (the audit log is tenant data and goes with the rest); the receipt is the `workspace.purged`
 * log line with the tenant id and the counts.
 */
export async function purgeDueWorkspaces(ctx: PurgeCtx, opts: { maxConversations?: number } = {}) {
  const due = await ctx.repos.workspace.due(new Date(ctx.clock.now()), MAX_WORKSPACES_PER_RUN);
  const results: PurgeResult[] = [];
  for (const { id } of due) {
    try {
      const r = await purgeWorkspace(ctx, id, opts);
      ctx.log.info(r.done ? "workspace.purged" : "workspace.purge_continues", { ...r });
      results.push(r);
    } catch (err) {
      ctx.log.error("workspace.purge_failed", { tenantId: id, error: String(err) });
    }
  }
  return results;
}
