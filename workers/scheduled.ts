import { cronCtx, scheduledCtx } from "./compose";
import { sweepRetention } from "./domain/privacy/retention";
import { resealStaleSecrets } from "./domain/secrets/rotation";
import { reportAllUsageToStripe } from "./domain/billing/report-usage";
import { runCommerceCron } from "./domain/commerce/scheduled-sync";

/**
 * The cron trigger (wrangler.toml `[triggers]`): after a MASTER_KEY rotation it re-seals every
 * tenant secret still under the previous key; otherwise it finds nothing to do (three
 * scans of small tables). Its log line `secrets.reseal` says when the previous key can be dropped.
 * Then the retention sweep erases conversations idle past their workspace's retention period.
 */
export async function handleScheduled(_controller: ScheduledController, env: Env): Promise<void> {
  try {
    await resealStaleSecrets(scheduledCtx(env, "reseal-secrets"));
  } finally {
    // a failed re-seal must not hold back retention (and the reverse: the sweep runs second)
    try {
      await runRetentionSweep(env);
    } finally {
      try {
        // Billing Meters (issue 15): new AI answers of live subscriptions go to Stripe, hourly
        const ctx = cronCtx(env, "billing-meters");
        const sent = await reportAllUsageToStripe(ctx);
        if (sent) ctx.log.info("billing.meters", { sent });
      } finally {
        await runCommerceSync(env);
      }
    }
  }
}

/** Retention (issue 18): erases conversations idle past their workspace's retention period. */
export async function runRetentionSweep(env: Env) {
  const ctx = cronCtx(env, "retention");
  const swept = await sweepRetention(ctx);
  if (swept.length) ctx.log.info("privacy.retention", { swept });
}

/** Commerce (issue 20): re-syncs stores' products when due, sweeps expired webhook replay claims. */
export async function runCommerceSync(env: Env) {
  const ctx = cronCtx(env, "commerce-sync");
  const { synced, swept } = await runCommerceCron(ctx);
  if (synced.length || swept) ctx.log.info("commerce.sync", { synced, swept });
}
