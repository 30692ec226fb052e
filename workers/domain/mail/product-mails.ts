import { Invalid, NotFound, RateLimited } from "../../lib/errors";
import { membersHolding } from "../auth/permissions";
import type { BaseCtx } from "../ctx";
import { appLink, sendMail } from "./send";
import { handoffAlertMail, quotaWarningMail, transcriptMail } from "./templates";

/**
 * The product's own notifications (issue 17): hand-off alerts to the assigned agent, quota
 * warnings to owners and admins, and a transcript to the visitor on request. Each goes through
 * the mail port (outbox locally).
 */

const workspaceName = async (ctx: BaseCtx, tenantId: string) => (await ctx.repos.tenants.get(tenantId))?.name ?? "Echo";

/** Mails the agent an escalated conversation was routed to; nothing when routing left it unassigned. */
export async function mailHandoffAlert(
  ctx: BaseCtx,
  input: {
    tenantId: string;
    assigneeId: string | null;
    conversationId: string;
    reason: string;
    priority: string;
    channel?: string;
    transcript: { role: string; text: string }[];
  },
) {
  if (!input.assigneeId) return false;
  const user = await ctx.repos.users.byId(input.assigneeId);
  if (!user) return false;
  const last = [...input.transcript].reverse().find((m) => m.role === "visitor")?.text ?? null;
  const mail = handoffAlertMail({
    workspace: await workspaceName(ctx, input.tenantId),
    reason: input.reason.replace(/_/g, " "),
    priority: input.priority,
    ...(input.channel ? { channel: input.channel } : {}),
    lastVisitorText: last ? last.slice(0, 300) : null,
    link: appLink(ctx, `inbox/${input.conversationId}`),
  });
  await sendMail(ctx, { tenantId: input.tenantId, to: user.email, mail });
  return true;
}

/** Warning thresholds: the billing meter calls this when usage crosses one of them. */
export const QUOTA_WARNING_AT = [0.8, 1] as const;

/**
 * Hook for billing (not built yet): mails owners and admins when `used` crosses 80 % or 100 % of
 * `limit`. Returns the recipients. The caller passes the previous value so each threshold mails once.
 */
export async function mailQuotaWarning(
  ctx: BaseCtx,
  input: { tenantId: string; meter: string; previous: number; used: number; limit: number },
) {
  const crossed = QUOTA_WARNING_AT.some((t) => input.previous < t * input.limit && input.used >= t * input.limit);
  if (!crossed || input.limit <= 0) return [];
  // whoever may see billing (billing:read) hears about quota, custom roles included
  const admins = await membersHolding(
    ctx.repos,
    input.tenantId,
    await ctx.repos.memberships.list(input.tenantId),
    "billing:read",
  );
  const mail = quotaWarningMail({
    workspace: await workspaceName(ctx, input.tenantId),
    meter: input.meter,
    used: input.used,
    limit: input.limit,
    link: appLink(ctx, "billing"),
  });
  for (const a of admins) await sendMail(ctx, { tenantId: input.tenantId, to: a.email, mail });
  return admins.map((a) => a.email);
}

/** Transcript mails per conversation per hour: the address is the visitor's own, but mail is not free. */
export const MAX_TRANSCRIPTS_PER_HOUR = 3;

/**
 * Mails the visitor the transcript of their conversation, to the address the conversation knows
 * (or, when it knows none, the one they give, which is then remembered as the visitor's).
 */
export async function mailTranscript(
  ctx: BaseCtx,
  scope: { tenantId: string; conversationId: string },
  input: { email?: string },
) {
  const room = ctx.rooms.conversation(scope.tenantId, scope.conversationId);
  const snap = await room.snapshot().catch(() => undefined);
  if (!snap || snap.meta.tenantId !== scope.tenantId) throw new NotFound("conversation", scope.conversationId);
  const to = snap.meta.visitor.email ?? input.email;
  if (!to)
    throw new Invalid("no email address known for this conversation; give one", [
      { path: "email", message: "required" },
    ]);
  const now = ctx.clock.now();
  const count = await ctx.repos.throttle.bump(`transcript:${scope.conversationId}`, now, 60 * 60_000);
  if ((count?.count ?? 0) > MAX_TRANSCRIPTS_PER_HOUR)
    throw new RateLimited("a transcript was already sent several times in the last hour", 3600);
  if (!snap.meta.visitor.email) await room.updateVisitor(scope.tenantId, { email: to });
  const messages = await room.messages(0, 1000);
  const who = { visitor: "You", ai: "Assistant", agent: "Agent", system: "—" } as Record<string, string>;
  const mail = transcriptMail({
    workspace: await workspaceName(ctx, scope.tenantId),
    lines: messages.map((m) => ({ who: m.author?.name ?? who[m.role] ?? m.role, at: m.at, text: m.text })),
  });
  await sendMail(ctx, { tenantId: scope.tenantId, to, mail });
  return { to };
}
