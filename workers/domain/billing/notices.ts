import { mailQuotaWarning } from "../mail/product-mails";
import type { BaseCtx } from "../ctx";
import { creditsPayOverage, effectivePlan } from "./entitlement";
import { loadBillingSnapshot } from "./may-tenant";
import { periodOf, PLANS } from "./plans";

/** Percent of a period's AI-answer limit at which admins are told (once each per period). */
export const NOTICE_THRESHOLDS = [80, 100] as const;

export type AfterUsageResult = { notices: number[]; creditsSpent: number };

/**
 * Runs after usage was recorded (the room's D1 flush, /v1, drafts): settles the period's credit
 * spend and tells admins when the period's AI answers crossed 80 % or 100 % of the plan's limit —
 * a `billing.quota` event on the tenant hub and a mail to owners and admins through the mail port.
 *
 * Idempotent by construction: it reads the counters (which a replayed usage record does not move),
 * a threshold's notice is claimed by inserting (tenant, period, threshold, limit) — only the caller
 * whose insert wrote the row sends, and thresholds crossed together are told once, at the highest;
 * a plan change inside the month brings a new limit and so new notices — and the credit spend only
 * ever rises to what the counters say. A
 * notice that could not be sent gives its claim back, so the next record tries again.
 */
export async function afterUsage(ctx: BaseCtx & { tenantId: string }): Promise<AfterUsageResult> {
  const now = ctx.clock.now();
  const period = periodOf(now);
  const snap = await loadBillingSnapshot(ctx);
  const plan = effectivePlan(snap, now);
  const max = plan.limits.aiAnswers;
  const out: AfterUsageResult = { notices: [], creditsSpent: 0 };
  if (max === null || max <= 0) return out;
  const used = snap.used.aiAnswers;
  const repo = ctx.repos.billing;
  // credit packs pay for the answers past the quota on plans that degrade (never on a metered one)
  const over = used - max;
  if (over > 0 && creditsPayOverage(plan) && (snap.creditsAvailable ?? 0) > 0) {
    out.creditsSpent = Math.min(over, snap.creditsAvailable ?? 0);
    await repo.settleCreditsStmt(ctx.tenantId, period, out.creditsSpent).run();
  }
  const crossed = NOTICE_THRESHOLDS.filter((t) => used * 100 >= t * max);
  if (!crossed.length) return out;
  const sent = new Set(await repo.noticesSent(ctx.tenantId, period, max));
  // every threshold crossed and not yet told is claimed; admins hear once, at the highest of them
  // (usage that jumps from 79 % to 100 % gets one "quota reached", not a late 80 % warning too)
  const claimed: number[] = [];
  for (const threshold of crossed)
    if (!sent.has(threshold) && (await repo.claimNotice(ctx.tenantId, period, threshold, max, new Date(now))))
      claimed.push(threshold);
  if (!claimed.length) return out;
  const threshold = Math.max(...claimed);
  try {
    await ctx.hub.publish(ctx.tenantId, {
      type: "billing.quota",
      threshold,
      period,
      plan: plan.id,
      used,
      limit: max,
      at: new Date(now).toISOString(),
    });
    // the mail names the threshold crossed (previous: just under it)
    await mailQuotaWarning(ctx, {
      tenantId: ctx.tenantId,
      meter: "AI answers",
      previous: Math.ceil((threshold * max) / 100) - 1,
      used,
      limit: max,
    });
    out.notices.push(threshold);
  } catch (err) {
    for (const t of claimed) await repo.releaseNotice(ctx.tenantId, period, t, max);
    ctx.log.warn("billing: quota notice not sent; retried at the next usage record", {
      tenantId: ctx.tenantId,
      threshold,
      error: String(err),
    });
  }
  return out;
}

/** The AI-answer limit of a plan id (null: unlimited); the room uses it to skip the check far from a threshold. */
export const aiAnswerLimitOf = (plan: keyof typeof PLANS) => PLANS[plan].limits.aiAnswers;
