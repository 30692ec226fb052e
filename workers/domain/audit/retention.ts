import { effectivePlan } from "../billing/entitlement";
import { planFieldsOf } from "../billing/may-tenant";
import { PLANS } from "../billing/plans";
import type { BaseCtx } from "../ctx";

const DAY_MS = 24 * 3600 * 1000;
/** Workspaces one sweep looks at, and entries one workspace loses per statement and per sweep. */
const TENANTS_PER_SWEEP = 200;
const BATCH = 500;
const MAX_PER_TENANT = 5_000;

/**
 * Audit log retention by plan (issue 18): entries older than the workspace's plan keeps them
 * (`auditDays`: Free 90, Pro 365, Enterprise 2,555 days) are deleted. Candidates are the workspaces
 * holding anything older than the shortest window; each keeps what its own plan in force allows.
 * The hourly cron continues where a capped sweep stopped. Returns what went, per workspace.
 */
export async function sweepAuditRetention(ctx: Pick<BaseCtx, "repos" | "clock">) {
  const now = ctx.clock.now();
  const shortest = Math.min(...Object.values(PLANS).map((p) => p.auditDays));
  const tenants = await ctx.repos.audit.tenantsWithEntriesBefore(new Date(now - shortest * DAY_MS), TENANTS_PER_SWEEP);
  const swept: { tenantId: string; plan: string; deleted: number }[] = [];
  for (const tenantId of tenants) {
    const plan = effectivePlan(planFieldsOf(await ctx.repos.billing.account(tenantId)), now);
    const before = new Date(now - plan.auditDays * DAY_MS);
    let deleted = 0;
    for (;;) {
      const n = await ctx.repos.audit.deleteBefore(tenantId, before, BATCH);
      deleted += n;
      if (n < BATCH || deleted >= MAX_PER_TENANT) break;
    }
    if (deleted) swept.push({ tenantId, plan: plan.id, deleted });
  }
  return swept;
}
