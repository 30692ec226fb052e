import { cronCtx, scheduledCtx } from "./compose";
import { sweepRetention } from "./domain/privacy/retention";
import { resealStaleSecrets } from "./domain/secrets/rotation";
import { reportAllUsageToStripe } from "./domain/billing/report-usage";
import { sweepAnswerCache } from "./domain/knowledge/answer-cache";
import { runCommerceCron } from "./domain/commerce/scheduled-sync";
import { purgeDueWorkspaces } from "./domain/workspace";
import { sweepAuditRetention } from "./domain/audit/retention";

/**
 * The cron trigger (wrangler.toml `[triggers]`), hourly. Its jobs run in this order, and a failed
 * job holds back none of the others (each failure is logged; the first is rethrown at the end, so the
 * invocation shows as failed):
 * 1. re-seal tenant secrets still under the previous MASTER_KEY (log `secrets.reseal` says when the
 *    previous key can be dropped; otherwise three scans of small tables);
 * 2. retention: erase conversations idle past their workspace's retention period;
 * 3. answer-cache entries past their TTL are deleted;
 * 4. Billing Meters: new AI answers of live subscriptions go to Stripe;
 * 5. commerce: stores' products re-synced when due, expired webhook replay claims swept;
 * 6. workspace purge: workspaces whose deletion grace period has passed lose everything they own;
 * 7. audit retention: entries older than the workspace's plan keeps them (`auditDays`) are deleted.
 */
export async function handleScheduled(_controller: ScheduledController, env: Env): Promise<void> {
  const jobs: [string, () => Promise<void>][] = [
    ["reseal-secrets", async () => void (await resealStaleSecrets(scheduledCtx(env, "reseal-secrets")))],
    ["retention", () => runRetentionSweep(env)],
    ["answer-cache", () => runAnswerCacheSweep(env)],
    ["billing-meters", () => runBillingMeters(env)],
    ["commerce-sync", () => runCommerceSync(env)],
    ["workspace-purge", () => runWorkspacePurge(env)],
    ["audit-retention", () => runAuditRetention(env)],
  ];
  let first: unknown;
  for (const [name, job] of jobs) {
    try {
      await job();
    } catch (err) {
      cronCtx(env, name).log.error("cron job failed", { job: name, error: String(err) });
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/** Audit log retention by plan (issue 18). */
export async function runAuditRetention(env: Env) {
  const ctx = cronCtx(env, "audit-retention");
  const swept = await sweepAuditRetention(ctx);
  if (swept.length) ctx.log.info("audit.retention", { swept });
}

/** Retention (issue 18): erases conversations idle past their workspace's retention period. */
export async function runRetentionSweep(env: Env) {
  const ctx = cronCtx(env, "retention");
  const swept = await sweepRetention(ctx);
  if (swept.length) ctx.log.info("privacy.retention", { swept });
}

/** Answer cache expiry (issue 14): deletes entries older than ANSWER_CACHE_TTL_SECONDS. */
export async function runAnswerCacheSweep(env: Env) {
  const ctx = cronCtx(env, "answer-cache");
  const swept = await sweepAnswerCache(ctx);
  if (swept) ctx.log.info("knowledge.answer_cache.swept", { swept });
}

/** Billing Meters (issue 15): new AI answers of live subscriptions go to Stripe. */
async function runBillingMeters(env: Env) {
  const ctx = cronCtx(env, "billing-meters");
  const sent = await reportAllUsageToStripe(ctx);
  if (sent) ctx.log.info("billing.meters", { sent });
}

/** Commerce (issue 20): re-syncs stores' products when due, sweeps expired webhook replay claims. */
export async function runCommerceSync(env: Env) {
  const ctx = cronCtx(env, "commerce-sync");
  const { synced, swept } = await runCommerceCron(ctx);
  if (synced.length || swept) ctx.log.info("commerce.sync", { synced, swept });
}

/** Workspace lifecycle (issue 18): purges workspaces whose deletion grace period has passed. */
export async function runWorkspacePurge(env: Env) {
  const ctx = cronCtx(env, "workspace-purge");
  const purged = await purgeDueWorkspaces(ctx);
  if (purged.length)
    ctx.log.info("workspace.purge", { purged: purged.map((p) => ({ tenantId: p.tenantId, done: p.done })) });
}
