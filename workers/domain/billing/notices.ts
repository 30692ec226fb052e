import type { QuotaMeter } from "../../storage/schema";
import { mailQuotaWarning } from "../mail/product-mails";
import type { BaseCtx } from "../ctx";
import { creditOverage, effectivePlan } from "./entitlement";
import { loadBillingSnapshot } from "./may-tenant";
import { periodOf, PLANS } from "./plans";

/** Percent of a period's limit (AI answers, voice minutes) at which admins are told (once each per period and meter). */
export const NOTICE_THRESHOLDS = [80, 100] as const;

export type AfterUsageResult = {
  /** AI-answer thresholds told now. */
  notices: number[];
  /** Voice-minute thresholds told now. */
  voiceNotices: number[];
  creditsSpent: number;
};

/**
 * Runs after usage was recorded (the room's D1 flush, /v1, drafts, a finished call): settles the
 * period's credit spend and tells admins when the period's AI answers or voice minutes crossed 80 %
 * or 100 % of the plan's limit — a `billing.quota` event on the tenant hub and a mail to owners and
 * admins through the mail port.
 *
 * Idempotent by construction: it reads the counters (which a replayed usage record does not move),
 * a threshold's notice is claimed by inserting (tenant, period, meter, threshold, limit) — only the
 * caller whose insert wrote the row sends, and thresholds crossed together are told once, at the
 * highest; a plan change inside the month brings a new limit and so new notices — and the credit
 * spend only ever rises to what the counters say. A notice that could not be sent gives its claim
 * back, so the next record tries again.
 */
export async function afterUsage(ctx: BaseCtx & { tenantId: string }): Promise<AfterUsageResult> {
  const now = ctx.clock.now();
  const period = periodOf(now);
  const snap = await loadBillingSnapshot(ctx);
  const plan = effectivePlan(snap, now);
  const out: AfterUsageResult = { notices: [], voiceNotices: [], creditsSpent: 0 };
  const max = plan.limits.aiAnswers;
  // credit packs pay for the answers past the quota on plans that degrade (never on a metered one),
  // and not for those a covering plan paid for earlier in the month (entitlement.ts creditOverage)
  const over = creditOverage(plan, snap);
  if (over > 0 && (snap.creditsAvailable ?? 0) > 0) {
    out.creditsSpent = Math.min(over, snap.creditsAvailable ?? 0);
    await ctx.repos.billing.settleCreditsStmt(ctx.tenantId, period, out.creditsSpent).run();
  }
  const meters = [
    { meter: "ai_answers", label: "AI answers", limit: max, used: snap.used.aiAnswers, told: out.notices },
    {
      meter: "voice_minutes",
      label: "voice minutes",
      limit: plan.limits.voiceMinutes,
      used: Math.ceil(snap.used.voiceSeconds / 60),
      told: out.voiceNotices,
    },
  ] as const;
  for (const m of meters) {
    const told = await noticeFor(ctx, { ...m, period, plan: plan.id, now });
    if (told !== null) m.told.push(told);
  }
  return out;
}

/** Claims the thresholds a meter crossed and tells admins once, at the highest; answers it (or null). */
async function noticeFor(
  ctx: BaseCtx & { tenantId: string },
  m: {
    meter: QuotaMeter;
    label: string;
    limit: number | null;
    used: number;
    period: string;
    plan: string;
    now: number;
  },
): Promise<number | null> {
  const { meter, limit, used, period } = m;
  if (limit === null || limit <= 0) return null;
  const crossed = NOTICE_THRESHOLDS.filter((t) => used * 100 >= t * limit);
  if (!crossed.length) return null;
  const repo = ctx.repos.billing;
  const sent = new Set(await repo.noticesSent(ctx.tenantId, period, limit, meter));
  // every threshold crossed and not yet told is claimed; admins hear once, at the highest of them
  // (usage that jumps from 79 % to 100 % gets one "quota reached", not a late 80 % warning too)
  const claimed: number[] = [];
  for (const threshold of crossed)
    if (
      !sent.has(threshold) &&
      (await repo.claimNotice(ctx.tenantId, period, meter, threshold, limit, new Date(m.now)))
    )
      claimed.push(threshold);
  if (!claimed.length) return null;
  const threshold = Math.max(...claimed);
  try {
    await ctx.hub.publish(ctx.tenantId, {
      type: "billing.quota",
      meter,
      threshold,
      period,
      plan: m.plan,
      used,
      limit,
      at: new Date(m.now).toISOString(),
    });
    // the mail names the threshold crossed (previous: just under it)
    await mailQuotaWarning(ctx, {
      tenantId: ctx.tenantId,
      meter: m.label,
      previous: Math.ceil((threshold * limit) / 100) - 1,
      used,
      limit,
    });
    return threshold;
  } catch (err) {
    for (const t of claimed) await repo.releaseNotice(ctx.tenantId, period, meter, t, limit);
    ctx.log.warn("billing: quota notice not sent; retried at the next usage record", {
      tenantId: ctx.tenantId,
      meter,
      threshold,
      error: String(err),
    });
    return null;
  }
}

/** The AI-answer limit of a plan id (null: unlimited); the room uses it to skip the check far from a threshold. */
export const aiAnswerLimitOf = (plan: keyof typeof PLANS) => PLANS[plan].limits.aiAnswers;
