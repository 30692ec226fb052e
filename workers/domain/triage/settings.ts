import { Invalid, NotFound } from "../../lib/errors";
import { PRIORITIES, type EscalationPolicy, type RoutingRuleRow } from "../../storage/schema";
import type { AnswerCtx } from "../knowledge/answer-types";
import { actorId, type Ctx } from "../ctx";
import { DEFAULT_POLICY, EscalationPolicySchema, type EscalationPolicyPatch } from "./policy";
import type { RoutingRuleInput } from "./schemas";
import { slaTableOf, type SlaTable, type SlaTarget } from "./sla";
import { PRESENCE_TTL_MS } from "./tickets";
import { audit } from "../audit";

/** Per-bot escalation policy, SLA targets, routing rules and agent presence. */

/** The bot's stored policy over the defaults (a stored policy from an older shape is completed). */
export async function policyFor(ctx: AnswerCtx, botId: string): Promise<EscalationPolicy> {
  const row = await ctx.repos.escalationPolicies.get(ctx.tenantId, botId);
  const parsed = EscalationPolicySchema.safeParse({ ...DEFAULT_POLICY, ...(row?.policy ?? {}) });
  return parsed.success ? parsed.data : DEFAULT_POLICY;
}

async function requireBot(ctx: Ctx, botId: string) {
  if (!(await ctx.repos.bots.get(ctx.tenantId, botId))) throw new NotFound("bot", botId);
}

export async function getPolicy(ctx: Ctx, botId: string) {
  await requireBot(ctx, botId);
  return policyFor(ctx, botId);
}

export async function updatePolicy(ctx: Ctx, botId: string, patch: EscalationPolicyPatch) {
  await requireBot(ctx, botId);
  const next = EscalationPolicySchema.parse({ ...(await policyFor(ctx, botId)), ...patch });
  await ctx.repos.escalationPolicies.put(ctx.tenantId, botId, next, new Date(ctx.clock.now())).run();
  await audit(ctx, "settings.escalation_changed", { type: "bot", id: botId }, { fields: Object.keys(patch) });
  return next;
}

export async function getSla(ctx: Ctx): Promise<SlaTable> {
  return slaTableOf(await ctx.repos.sla.list(ctx.tenantId));
}

export async function updateSla(ctx: Ctx, patch: Partial<Record<(typeof PRIORITIES)[number], SlaTarget>>) {
  const now = new Date(ctx.clock.now());
  const stmts = PRIORITIES.filter((p) => patch[p]).map((p) =>
    ctx.repos.sla.putStmt({ tenantId: ctx.tenantId, priority: p, ...patch[p]!, updatedAt: now }),
  );
  if (stmts.length) await ctx.repos.batch(stmts as [(typeof stmts)[number], ...(typeof stmts)[number][]]);
  await audit(ctx, "settings.sla_changed", { type: "settings", id: "sla" }, { priorities: Object.keys(patch) });
  return getSla(ctx);
}

export function toRuleDto(r: RoutingRuleRow) {
  return {
    id: r.id,
    position: r.position,
    categoryId: r.categoryId,
    minPriority: r.minPriority,
    target:
      r.targetType === "agent"
        ? { type: "agent" as const, userId: r.targetUserId ?? "" }
        : { type: "team" as const, name: r.teamName ?? "", userIds: r.teamUserIds },
    maxOpenPerAgent: r.maxOpenPerAgent,
    createdAt: r.createdAt.toISOString(),
  };
}

export const listRoutingRules = async (ctx: Ctx) => (await ctx.repos.routing.list(ctx.tenantId)).map(toRuleDto);

/** Every id a rule names must be this tenant's: another tenant's category or member is a 404. */
async function checkRuleRefs(ctx: Ctx, input: RoutingRuleInput) {
  if (input.categoryId && !(await ctx.repos.categories.get(ctx.tenantId, input.categoryId)))
    throw new NotFound("category", input.categoryId);
  const users = input.target.type === "agent" ? [input.target.userId] : input.target.userIds;
  if (new Set(users).size !== users.length)
    throw new Invalid("duplicate team member", [{ path: "target.userIds", message: "each member once" }]);
  for (const u of users) if (!(await ctx.repos.memberships.get(ctx.tenantId, u))) throw new NotFound("member", u);
}

export async function createRoutingRule(ctx: Ctx, input: RoutingRuleInput) {
  await checkRuleRefs(ctx, input);
  const row = await ctx.repos.routing.insert({
    tenantId: ctx.tenantId,
    position: input.position,
    categoryId: input.categoryId,
    minPriority: input.minPriority,
    targetType: input.target.type,
    targetUserId: input.target.type === "agent" ? input.target.userId : null,
    teamName: input.target.type === "team" ? input.target.name : null,
    teamUserIds: input.target.type === "team" ? input.target.userIds : [],
    maxOpenPerAgent: input.maxOpenPerAgent,
    lastUserId: null,
    createdAt: new Date(ctx.clock.now()),
  });
  await audit(ctx, "settings.routing_changed", { type: "routing_rule", id: String(row.id) }, { created: true });
  return toRuleDto(row);
}

export async function deleteRoutingRule(ctx: Ctx, id: number) {
  if (!(await ctx.repos.routing.delete(ctx.tenantId, id))) throw new NotFound("routing rule", String(id));
  await audit(ctx, "settings.routing_changed", { type: "routing_rule", id: String(id) }, { deleted: true });
}

export async function listPresence(ctx: Ctx) {
  const now = ctx.clock.now();
  return (await ctx.repos.presence.list(ctx.tenantId)).map((p) => ({
    userId: p.userId,
    status: p.status,
    online: p.status === "online" && now - p.lastSeenAt.getTime() <= PRESENCE_TTL_MS,
    lastSeenAt: p.lastSeenAt.toISOString(),
  }));
}

/** The caller's own presence heartbeat (the dashboard sends it every minute while open). */
export async function setMyPresence(ctx: Ctx, status: "online" | "away" | "offline") {
  if (ctx.actor.kind !== "user") throw new Invalid("presence is for people, not API keys");
  const row = await ctx.repos.presence.put({
    tenantId: ctx.tenantId,
    userId: actorId(ctx.actor),
    status,
    lastSeenAt: new Date(ctx.clock.now()),
  });
  return {
    userId: row.userId,
    status: row.status,
    online: row.status === "online",
    lastSeenAt: row.lastSeenAt.toISOString(),
  };
}
