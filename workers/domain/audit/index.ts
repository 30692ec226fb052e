import { z } from "@hono/zod-openapi";
import { newId } from "../../lib/ids";
import type { AuditActorType, AuditRow, AuditTarget } from "../../storage/schema";
import type { Actor, BaseCtx } from "../ctx";
import { MAX_EXPORT_ENTRIES } from "./csv";
import { AuditEntryDto } from "./dto";

export { AuditEntryDto };

/**
 * The audit log (issue 18). Verbs call `audit(ctx, action, target, metadata)` once, after the action
 * succeeded. Actions are a closed list so a typo cannot create an unfilterable entry.
 */
export const AUDIT_ACTIONS = [
  "auth.sign_in",
  "auth.sign_in_failed",
  "auth.password_reset",
  "auth.password_changed",
  "auth.password_change_failed",
  "auth.session_revoked",
  "member.invited",
  "member.invitation_revoked",
  "member.joined",
  "member.role_changed",
  "member.removed",
  "role.created",
  "role.updated",
  "role.deleted",
  "key.created",
  "key.revoked",
  "bot.created",
  "bot.updated",
  "bot.deleted",
  "bot.secret_revealed",
  "voice.integration_created",
  "voice.integration_updated",
  "voice.integration_deleted",
  "voice.url_rotated",
  "channel.whatsapp_created",
  "channel.whatsapp_updated",
  "visitor.linked",
  "commerce.connected",
  "commerce.disconnected",
  "commerce.secret_rotated",
  "conversations.imported",
  "knowledge.imported",
  "settings.providers_changed",
  "settings.privacy_changed",
  "settings.escalation_changed",
  "settings.sla_changed",
  "settings.routing_changed",
  "settings.sso_changed",
  "settings.business_hours_changed",
  "sso.sign_in_refused",
  "privacy.exported",
  "privacy.erased",
  "privacy.retention_swept",
  "workspace.deletion_scheduled",
  "workspace.deletion_restored",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who and where: the request's client, when the request had one. */
export type RequestMeta = { ip?: string; userAgent?: string };
export type AuditActorRef = { type: AuditActorType; id: string };

/** What `audit` needs: a base ctx plus the tenant, and the actor when it is not a signed-in ctx's. */
export type AuditCtx = Pick<BaseCtx, "repos" | "clock" | "log" | "requestId"> & {
  tenantId: string;
  actor?: Actor | AuditActorRef;
  request?: RequestMeta;
};

/** Metadata is small: a diff or counts, never secrets. */
export const MAX_METADATA_CHARS = 4000;
const MAX_UA_CHARS = 300;

export function actorRefOf(actor: Actor | AuditActorRef | undefined): AuditActorRef {
  if (!actor) return { type: "system", id: "system" };
  if ("type" in actor) return actor;
  return actor.kind === "user" ? { type: "user", id: actor.userId } : { type: "key", id: actor.keyId };
}

function boundedMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(metadata);
  return json.length <= MAX_METADATA_CHARS ? metadata : { truncated: true, chars: json.length };
}

/**
 * Appends one entry. A failed write is logged at error level and does not undo or fail the action
 * it records (which already happened); the log line carries the entry so it is not lost.
 */
export async function audit(
  ctx: AuditCtx,
  action: AuditAction,
  target: AuditTarget | AuditTarget[] | null,
  metadata: Record<string, unknown> = {},
): Promise<void> {
  const now = ctx.clock.now();
  const actor = actorRefOf(ctx.actor);
  const row = {
    id: newId("aud", now),
    tenantId: ctx.tenantId,
    action,
    actorType: actor.type,
    actorId: actor.id,
    targets: target === null ? [] : Array.isArray(target) ? target : [target],
    ip: ctx.request?.ip ?? null,
    userAgent: ctx.request?.userAgent?.slice(0, MAX_UA_CHARS) ?? null,
    requestId: ctx.requestId,
    metadata: boundedMetadata(metadata),
    at: new Date(now),
  };
  try {
    await ctx.repos.audit.insertStmt(row).run();
  } catch (err) {
    ctx.log.error("audit: append failed", { error: String(err), entry: { ...row, at: now } });
  }
}

/** The client of a request, read once by the app's first middleware. */
export function requestMetaOf(header: (name: string) => string | undefined): RequestMeta {
  return { ip: header("cf-connecting-ip")?.trim() || undefined, userAgent: header("user-agent") || undefined };
}

export const AuditListQuery = z.object({
  action: z.enum(AUDIT_ACTIONS).optional(),
  actor: z.string().min(1).max(64).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  cursor: z.string().startsWith("aud_").max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditListQuery = z.infer<typeof AuditListQuery>;

export function toAuditDto(r: AuditRow): z.infer<typeof AuditEntryDto> {
  return {
    id: r.id,
    action: r.action,
    actor: { type: r.actorType, id: r.actorId },
    targets: r.targets,
    at: r.at.toISOString(),
    ip: r.ip,
    userAgent: r.userAgent,
    requestId: r.requestId,
    metadata: r.metadata,
  };
}

/** GET /api/audit: one page, newest first; `nextCursor` continues below the page's last id. */
export async function listAudit(ctx: BaseCtx & { tenantId: string }, q: AuditListQuery) {
  const rows = await ctx.repos.audit.list(ctx.tenantId, {
    action: q.action,
    actorId: q.actor,
    from: q.from,
    to: q.to,
    before: q.cursor,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return { data: page.map(toAuditDto), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
}

/** Every entry matching the filters (newest first), up to MAX_EXPORT_ENTRIES, for the CSV/JSON export. */
export async function exportAudit(ctx: BaseCtx & { tenantId: string }, q: Omit<AuditListQuery, "cursor" | "limit">) {
  const out: z.infer<typeof AuditEntryDto>[] = [];
  let cursor: string | undefined;
  while (out.length < MAX_EXPORT_ENTRIES) {
    const page = await listAudit(ctx, { ...q, cursor, limit: 200 });
    out.push(...page.data);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out.slice(0, MAX_EXPORT_ENTRIES);
}
