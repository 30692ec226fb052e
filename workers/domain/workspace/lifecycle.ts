import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { audit } from "../audit";
import { actorId, type Ctx } from "../ctx";
import { appLink, sendMail } from "../mail/send";
import { workspaceDeletionMail, workspaceRestoredMail, type RenderedMail } from "../mail/templates";
import type { DeleteWorkspaceInput, WorkspaceDto } from "./schemas";

const DAY_MS = 24 * 3600 * 1000;

type TenantRow = NonNullable<Awaited<ReturnType<Ctx["repos"]["workspace"]["get"]>>>;

function toDto(t: TenantRow): WorkspaceDto {
  return {
    id: t.id,
    name: t.name,
    plan: t.plan,
    createdAt: t.createdAt.toISOString(),
    deletionScheduledAt: t.deletionScheduledAt?.toISOString() ?? null,
    deletionRequestedBy: t.deletionRequestedBy ?? null,
    deletionRequestedAt: t.deletionRequestedAt?.toISOString() ?? null,
  };
}

async function tenantOf(ctx: Ctx) {
  const t = await ctx.repos.workspace.get(ctx.tenantId);
  if (!t) throw new NotFound("workspace", ctx.tenantId);
  return t;
}

/** The signed-in workspace, with its deletion schedule (GET /api/workspace). */
export async function getWorkspace(ctx: Ctx): Promise<WorkspaceDto> {
  return toDto(await tenantOf(ctx));
}

/** Mails every owner of the workspace; a failed send is logged and does not undo the change. */
async function mailOwners(ctx: Ctx, mail: RenderedMail) {
  const owners = (await ctx.repos.memberships.list(ctx.tenantId)).filter((m) => m.role === "owner");
  for (const o of owners) {
    await sendMail(ctx, { tenantId: ctx.tenantId, to: o.email, mail }).catch((err: unknown) =>
      ctx.log.error("workspace: owner mail failed", { error: String(err) }),
    );
  }
  return owners.length;
}

async function whoIs(ctx: Ctx) {
  if (ctx.actor.kind !== "user") return actorId(ctx.actor);
  const u = await ctx.repos.users.byId(ctx.actor.userId);
  return u?.email ?? ctx.actor.userId;
}

/** Subscription states that still charge (a cancelled one, or one set to end with its period, does not renew). */
const LIVE_SUBSCRIPTION = new Set(["active", "trialing", "past_due", "unpaid", "incomplete"]);

/**
 * Schedules the workspace's deletion after the grace period (WORKSPACE_DELETION_GRACE_DAYS). The
 * typed name must match exactly, else 400 and nothing changes; a second request while one is
 * scheduled is 409. The workspace keeps working meanwhile (members, widget, channels); the hourly
 * cron purges it once the period has passed (purge.ts).
 */
export async function scheduleWorkspaceDeletion(ctx: Ctx, input: DeleteWorkspaceInput) {
  const t = await tenantOf(ctx);
  if (input.confirm !== t.name)
    throw new Invalid("type the workspace's name exactly to confirm its deletion", [
      { path: "confirm", message: "does not match the workspace name" },
    ]);
  if (t.deletionScheduledAt) throw new Conflict("this workspace's deletion is already scheduled");
  // Echo never cancels a Stripe subscription by itself: a paying workspace cancels it in Billing
  // (Manage billing) first, so no charge outlives the workspace
  const billing = await ctx.repos.billing.account(ctx.tenantId);
  if (billing?.stripeSubscriptionId && LIVE_SUBSCRIPTION.has(billing.status) && !billing.cancelAtPeriodEnd)
    throw new Conflict(
      "this workspace has a paid subscription: cancel it in Billing (Manage billing) first, then delete the workspace",
    );
  const now = ctx.clock.now();
  const at = new Date(now + ctx.config.workspaceDeletionGraceDays * DAY_MS);
  const set = await ctx.repos.workspace.schedule(ctx.tenantId, {
    at,
    by: actorId(ctx.actor),
    requestedAt: new Date(now),
  });
  if (!set) throw new Conflict("this workspace's deletion is already scheduled");
  await audit(
    ctx,
    "workspace.deletion_scheduled",
    { type: "workspace", id: ctx.tenantId },
    {
      deletionScheduledAt: at.toISOString(),
      graceDays: ctx.config.workspaceDeletionGraceDays,
    },
  );
  const mailed = await mailOwners(
    ctx,
    workspaceDeletionMail({
      workspace: t.name,
      requestedBy: await whoIs(ctx),
      purgeAt: at.toUTCString(),
      link: appLink(ctx, "settings"),
    }),
  );
  ctx.log.info("workspace.deletion_scheduled", { tenantId: ctx.tenantId, at: at.toISOString(), mailed });
  return { deletionScheduledAt: at.toISOString() };
}

/** Cancels a scheduled deletion while the grace period runs; 409 when none is scheduled or it has passed. */
export async function restoreWorkspace(ctx: Ctx): Promise<WorkspaceDto> {
  const t = await tenantOf(ctx);
  if (!t.deletionScheduledAt) throw new Conflict("no deletion is scheduled for this workspace");
  const ok = await ctx.repos.workspace.cancel(ctx.tenantId, new Date(ctx.clock.now()));
  if (!ok) throw new Conflict("the grace period has passed; the workspace is being deleted");
  await audit(
    ctx,
    "workspace.deletion_restored",
    { type: "workspace", id: ctx.tenantId },
    {
      deletionScheduledAt: { from: t.deletionScheduledAt.toISOString(), to: null },
    },
  );
  await mailOwners(ctx, workspaceRestoredMail({ workspace: t.name, restoredBy: await whoIs(ctx) }));
  return toDto(await tenantOf(ctx));
}
