import type { BaseCtx } from "../ctx";
import { sweepDeliveries } from "./deliveries";
import { syncProducts } from "./products";
import { hookCtx } from "./webhooks";

/**
 * The periodic product sync (issue 20), run by the cron (workers/scheduled.ts, hourly): every active
 * store whose last sync is older than SYNC_INTERVAL_MS — or whose pass over a catalogue bigger than
 * one run has pages left — is synced again (syncProducts: changed
 * products re-indexed, unchanged ones skipped, products the store no longer lists removed), oldest
 * first, at most MAX_STORES_PER_RUN per run so one run stays within a Worker's limits; the rest are
 * still due next hour. Webhooks keep products current in between; this catches missed ones.
 * Shopify's cost limits are respected by the client (it waits for the bucket, and a THROTTLED
 * answer ends that store's run): one store failing is logged and the others go on.
 */
export const SYNC_INTERVAL_MS = 6 * 3_600_000;
export const MAX_STORES_PER_RUN = 10;

export type StoreSyncReport = { connectionId: string; ok: boolean; indexed?: number; removed?: number; error?: string };

export async function syncDueStores(base: BaseCtx): Promise<StoreSyncReport[]> {
  const now = base.clock.now();
  const due = await base.repos.commerceConnections.dueForSync(new Date(now - SYNC_INTERVAL_MS), MAX_STORES_PER_RUN);
  const out: StoreSyncReport[] = [];
  for (const row of due) {
    try {
      const r = await syncProducts(hookCtx(base, row), row.id);
      out.push({ connectionId: row.id, ok: true, indexed: r.indexed, removed: r.removed });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      base.log.warn("commerce: scheduled sync failed", { connectionId: row.id, tenantId: row.tenantId, error });
      // stamp the attempt so a failing store does not hold back the others run after run
      await base.repos.commerceConnections.update(row.tenantId, row.id, { lastSyncAt: new Date(now) });
      out.push({ connectionId: row.id, ok: false, error });
    }
  }
  return out;
}

/** The cron's commerce work: due product syncs, then the sweep of expired webhook claims. */
export async function runCommerceCron(base: BaseCtx) {
  const synced = await syncDueStores(base);
  const swept = await sweepDeliveries(base);
  return { synced, swept };
}
