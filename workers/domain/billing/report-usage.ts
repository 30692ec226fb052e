import type { BaseCtx } from "../ctx";
import { effectivePlan } from "./entitlement";
import { DEFAULT_PLAN, isPlanId, periodOf } from "./plans";

/** Meter events sent per tenant per run (Stripe takes 1,000/s in live mode; the cron runs hourly). */
export const METER_BATCH = 100;

/**
 * Reports a tenant's AI answers to Stripe Billing Meters (plans with a metered overage and a live
 * subscription only). Each event goes out with `identifier` = `<tenant>:<event id>`, so Stripe
 * drops a repeat (it dedupes identifiers for at least 24 h), and is marked reported afterwards; a
 * run that dies in between re-sends identifiers Stripe already has, which is harmless. The meter's
 * price carries the included quantity (a graduated tier of 5,000 at $0 on Pro), so every answer is
 * reported, not only the overage. Returns how many events went out.
 */
export async function reportUsageToStripe(ctx: BaseCtx, tenantId: string): Promise<number> {
  const payments = ctx.services.payments;
  if (!payments) return 0;
  const repo = ctx.repos.billing;
  const account = await repo.account(tenantId);
  const now = ctx.clock.now();
  if (!account?.stripeCustomerId || (account.status !== "active" && account.status !== "trialing")) return 0;
  const plan = effectivePlan(
    {
      plan: isPlanId(account.plan) ? account.plan : DEFAULT_PLAN,
      status: account.status,
      periodEnd: account.periodEnd?.getTime() ?? null,
    },
    now,
  );
  if (plan.overage.kind !== "metered") return 0;
  const events = await repo.unreported(tenantId, periodOf(now), METER_BATCH);
  const done: string[] = [];
  for (const e of events) {
    await payments.meterEvent({
      eventName: plan.overage.meterEvent,
      customerId: account.stripeCustomerId,
      value: e.quantity,
      identifier: `${tenantId}:${e.eventId}`,
      timestamp: e.at.getTime(),
    });
    done.push(e.eventId);
  }
  if (done.length) await ctx.repos.batch(done.map((id) => repo.markReportedStmt(tenantId, id, new Date(now))) as never);
  return done.length;
}

/** The hourly cron: every tenant with a live subscription reports its new answers. */
export async function reportAllUsageToStripe(ctx: BaseCtx): Promise<number> {
  if (!ctx.services.payments) return 0;
  let sent = 0;
  for (const tenantId of await ctx.repos.billing.liveSubscribers()) {
    try {
      sent += await reportUsageToStripe(ctx, tenantId);
    } catch (err) {
      // one tenant's failure (Stripe down, a deleted customer) must not hold back the others; retried next hour
      ctx.log.warn("billing: meter report failed", { tenantId, error: String(err) });
    }
  }
  return sent;
}
