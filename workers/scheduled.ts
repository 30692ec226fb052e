import { cronCtx, scheduledCtx } from "./compose";
import { sweepRetention } from "./domain/privacy/retention";
import { resealStaleSecrets } from "./domain/secrets/rotation";
import { reportAllUsageToStripe } from "./domain/billing/report-usage";
import { sweepAnswerCache } from "./domain/knowledge/answer-cache";

/**
 * The cron trigger (wrangler.toml `[triggers]`): after a MASTER_KEY rotation it re-seals every
 * tenant secret still under the previous key; otherwise it finds nothing to do (three
 * scans of small tables). Its log line `secrets.reseal` says when the previous key can be dropped.
 * Then the retention sweep erases conversations idle past their workspace's retention period, and
 * answer-cache entries past their TTL are deleted.
 */
export async function handleScheduled(_controller: ScheduledController, env: Env): Promise<void> {
  try {
    await resealStaleSecrets(scheduledCtx(env, "reseal-secrets"));
  } finally {
    // a failed re-seal must not hold back retention (and the reverse: the sweep runs second)
    try {
      try {
        await runRetentionSweep(env);
      } finally {
        await runAnswerCacheSweep(env);
      }
    } finally {
      // Billing Meters (issue 15): new AI answers of live subscriptions go to Stripe, hourly
      const ctx = cronCtx(env, "billing-meters");
      const sent = await reportAllUsageToStripe(ctx);
      if (sent) ctx.log.info("billing.meters", { sent });
    }
  }
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
