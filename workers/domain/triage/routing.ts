import type { Priority, RoutingRuleRow } from "../../storage/schema";
import { atLeast } from "./priority";

/** An agent as routing sees them: online or not, and how many live tickets they already hold. */
export type AgentLoad = { userId: string; online: boolean; open: number };
export type RouteDecision = { ruleId: number | null; team: string | null; assigneeId: string | null; detail: string };

/**
 * Pure routing: the first rule (by position) whose category and minimum priority match decides.
 *  - agent rule: the named agent, if they are still an agent of the tenant and under the rule's cap
 *    (presence is not required: the ticket waits in their queue);
 *  - team rule: round-robin over the team's members starting after the last one who got a ticket,
 *    skipping members who are offline or at the cap; when nobody qualifies the ticket stays
 *    unassigned in the team's queue.
 * No matching rule: unassigned, no team (the shared queue).
 */
export function chooseRoute(
  rules: RoutingRuleRow[],
  ticket: { categoryId: string | null; priority: Priority },
  agents: AgentLoad[],
): RouteDecision {
  const byId = new Map(agents.map((a) => [a.userId, a]));
  for (const r of rules) {
    if (r.categoryId && r.categoryId !== ticket.categoryId) continue;
    if (r.minPriority && !atLeast(ticket.priority, r.minPriority)) continue;
    if (r.targetType === "agent") {
      const a = r.targetUserId ? byId.get(r.targetUserId) : undefined;
      if (a && a.open < r.maxOpenPerAgent)
        return { ruleId: r.id, team: null, assigneeId: a.userId, detail: `rule ${r.id}: agent` };
      return { ruleId: r.id, team: null, assigneeId: null, detail: `rule ${r.id}: agent unavailable or at capacity` };
    }
    const members = r.teamUserIds;
    const start = r.lastUserId ? members.indexOf(r.lastUserId) + 1 : 0;
    for (let i = 0; i < members.length; i++) {
      const a = byId.get(members[(start + i) % members.length]!);
      if (a?.online && a.open < r.maxOpenPerAgent)
        return {
          ruleId: r.id,
          team: r.teamName,
          assigneeId: a.userId,
          detail: `rule ${r.id}: team ${r.teamName}, round-robin`,
        };
    }
    return {
      ruleId: r.id,
      team: r.teamName,
      assigneeId: null,
      detail: `rule ${r.id}: team ${r.teamName}, nobody online under the cap`,
    };
  }
  return { ruleId: null, team: null, assigneeId: null, detail: "no routing rule matched" };
}
