import { and, asc, count, desc, eq, inArray, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { Db } from "./db";
import {
  agentPresence,
  categories,
  categoryExamples,
  conversationTriage,
  escalationPolicies,
  memberships,
  routingRules,
  slaTargets,
  ticketEvents,
  tickets,
  triageVersions,
  type EscalationPolicy,
  type NewRoutingRuleRow,
  type Priority,
  type TicketStatus,
} from "./schema";

/**
 * Tenant-scoped storage for triage. Every method takes `tenantId` first and puts it in the same
 * WHERE as the id, so another tenant's row and a missing row are the same `undefined`.
 */
export const categoriesRepo = (db: Db) => ({
  list: (tenantId: string) =>
    db.select().from(categories).where(eq(categories.tenantId, tenantId)).orderBy(asc(categories.name)).all(),
  get: (tenantId: string, id: string) =>
    db
      .select()
      .from(categories)
      .where(and(eq(categories.tenantId, tenantId), eq(categories.id, id)))
      .get(),
  byName: (tenantId: string, name: string) =>
    db
      .select()
      .from(categories)
      .where(and(eq(categories.tenantId, tenantId), eq(categories.name, name)))
      .get(),
  insertStmt: (row: typeof categories.$inferInsert) => db.insert(categories).values(row),
  update: (tenantId: string, id: string, patch: Partial<typeof categories.$inferInsert>) =>
    db
      .update(categories)
      .set(patch)
      .where(and(eq(categories.tenantId, tenantId), eq(categories.id, id)))
      .returning()
      .get(),
  deleteStmt: (tenantId: string, id: string) =>
    db.delete(categories).where(and(eq(categories.tenantId, tenantId), eq(categories.id, id))),

  /** Every example of a tenant (training input), oldest first. */
  examples: (tenantId: string) =>
    db
      .select()
      .from(categoryExamples)
      .where(eq(categoryExamples.tenantId, tenantId))
      .orderBy(asc(categoryExamples.id))
      .all(),
  examplesOf: (tenantId: string, categoryId: string) =>
    db
      .select()
      .from(categoryExamples)
      .where(and(eq(categoryExamples.tenantId, tenantId), eq(categoryExamples.categoryId, categoryId)))
      .orderBy(asc(categoryExamples.id))
      .all(),
  exampleCounts: (tenantId: string) =>
    db
      .select({ categoryId: categoryExamples.categoryId, n: count() })
      .from(categoryExamples)
      .where(eq(categoryExamples.tenantId, tenantId))
      .groupBy(categoryExamples.categoryId)
      .all(),
  insertExampleStmt: (row: typeof categoryExamples.$inferInsert) => db.insert(categoryExamples).values(row),
  deleteExample: (tenantId: string, categoryId: string, id: number) =>
    db
      .delete(categoryExamples)
      .where(
        and(
          eq(categoryExamples.tenantId, tenantId),
          eq(categoryExamples.categoryId, categoryId),
          eq(categoryExamples.id, id),
        ),
      )
      .returning()
      .get(),
  deleteExamplesStmt: (tenantId: string, categoryId: string) =>
    db
      .delete(categoryExamples)
      .where(and(eq(categoryExamples.tenantId, tenantId), eq(categoryExamples.categoryId, categoryId))),

  version: async (tenantId: string) =>
    (await db.select().from(triageVersions).where(eq(triageVersions.tenantId, tenantId)).get())?.categoriesVersion ?? 0,
  /** Bumps the tenant's model version; put it in the same batch as the change it reports. */
  bumpVersionStmt: (tenantId: string) =>
    db
      .insert(triageVersions)
      .values({ tenantId, categoriesVersion: 1 })
      .onConflictDoUpdate({
        target: triageVersions.tenantId,
        set: { categoriesVersion: sql`${triageVersions.categoriesVersion} + 1` },
      }),
});

export const conversationTriageRepo = (db: Db) => ({
  get: (tenantId: string, conversationId: string) =>
    db
      .select()
      .from(conversationTriage)
      .where(and(eq(conversationTriage.tenantId, tenantId), eq(conversationTriage.conversationId, conversationId)))
      .get(),
  upsert: (row: typeof conversationTriage.$inferInsert) =>
    db
      .insert(conversationTriage)
      .values(row)
      .onConflictDoUpdate({
        target: [conversationTriage.tenantId, conversationTriage.conversationId],
        set: { ...row },
      }),
  /**
   * The room's copy of its conversation's triage state (written with the batched D1 copy): frustration
   * and escalation fields follow the room, while a category already in D1 (an operator's correction)
   * wins over the room's.
   */
  liveUpsertStmt: (row: typeof conversationTriage.$inferInsert) => {
    const keep = (col: string) => sql.raw(`coalesce("conversation_triage"."${col}", excluded."${col}")`);
    return db
      .insert(conversationTriage)
      .values(row)
      .onConflictDoUpdate({
        target: [conversationTriage.tenantId, conversationTriage.conversationId],
        set: {
          ...row,
          categoryId: keep("category_id"),
          categoryConfidence: sql.raw(
            `case when "conversation_triage"."category_id" is null then excluded."category_confidence" else "conversation_triage"."category_confidence" end`,
          ),
          categorySource: keep("category_source"),
        },
      });
  },
  setCategory: (
    tenantId: string,
    conversationId: string,
    patch: {
      categoryId: string;
      categoryConfidence: number | null;
      categorySource: "model" | "llm" | "operator";
      updatedAt: Date;
    },
  ) =>
    db
      .update(conversationTriage)
      .set(patch)
      .where(and(eq(conversationTriage.tenantId, tenantId), eq(conversationTriage.conversationId, conversationId)))
      .returning()
      .get(),
});

export const escalationPoliciesRepo = (db: Db) => ({
  get: (tenantId: string, botId: string) =>
    db
      .select()
      .from(escalationPolicies)
      .where(and(eq(escalationPolicies.tenantId, tenantId), eq(escalationPolicies.botId, botId)))
      .get(),
  put: (tenantId: string, botId: string, policy: EscalationPolicy, now: Date) =>
    db
      .insert(escalationPolicies)
      .values({ tenantId, botId, policy, updatedAt: now })
      .onConflictDoUpdate({
        target: [escalationPolicies.tenantId, escalationPolicies.botId],
        set: { policy, updatedAt: now },
      }),
});

export const slaRepo = (db: Db) => ({
  list: (tenantId: string) => db.select().from(slaTargets).where(eq(slaTargets.tenantId, tenantId)).all(),
  putStmt: (row: typeof slaTargets.$inferInsert) =>
    db
      .insert(slaTargets)
      .values(row)
      .onConflictDoUpdate({
        target: [slaTargets.tenantId, slaTargets.priority],
        set: {
          firstResponseMinutes: row.firstResponseMinutes,
          resolutionMinutes: row.resolutionMinutes,
          updatedAt: row.updatedAt,
        },
      }),
});

export const routingRepo = (db: Db) => ({
  list: (tenantId: string) =>
    db
      .select()
      .from(routingRules)
      .where(eq(routingRules.tenantId, tenantId))
      .orderBy(asc(routingRules.position), asc(routingRules.id))
      .all(),
  get: (tenantId: string, id: number) =>
    db
      .select()
      .from(routingRules)
      .where(and(eq(routingRules.tenantId, tenantId), eq(routingRules.id, id)))
      .get(),
  insert: (row: NewRoutingRuleRow) => db.insert(routingRules).values(row).returning().get(),
  update: (tenantId: string, id: number, patch: Partial<NewRoutingRuleRow>) =>
    db
      .update(routingRules)
      .set(patch)
      .where(and(eq(routingRules.tenantId, tenantId), eq(routingRules.id, id)))
      .returning()
      .get(),
  delete: (tenantId: string, id: number) =>
    db
      .delete(routingRules)
      .where(and(eq(routingRules.tenantId, tenantId), eq(routingRules.id, id)))
      .returning()
      .get(),
  /** Rules naming a category: they go with it (a rule for a category that no longer exists never matches). */
  deleteForCategoryStmt: (tenantId: string, categoryId: string) =>
    db.delete(routingRules).where(and(eq(routingRules.tenantId, tenantId), eq(routingRules.categoryId, categoryId))),
  setCursor: (tenantId: string, id: number, userId: string) =>
    db
      .update(routingRules)
      .set({ lastUserId: userId })
      .where(and(eq(routingRules.tenantId, tenantId), eq(routingRules.id, id))),
});

export const presenceRepo = (db: Db) => ({
  list: (tenantId: string) => db.select().from(agentPresence).where(eq(agentPresence.tenantId, tenantId)).all(),
  put: (row: typeof agentPresence.$inferInsert) =>
    db
      .insert(agentPresence)
      .values(row)
      .onConflictDoUpdate({
        target: [agentPresence.tenantId, agentPresence.userId],
        set: { status: row.status, lastSeenAt: row.lastSeenAt },
      })
      .returning()
      .get(),
});

export type TicketFilter = {
  status?: TicketStatus[];
  priority?: Priority[];
  categoryId?: string;
  /** A user id, or null for unassigned. */
  assigneeId?: string | null;
  team?: string;
  conversationId?: string;
  /** Only tickets whose first-response or resolution due time has passed while unmet. */
  breachedAt?: Date;
  /** Resume before this id (ids sort by creation time). */
  before?: string;
  limit: number;
};

export const ticketsRepo = (db: Db) => ({
  /** Every row opening a ticket needs, in one batch (see ticketOpeningReads). */
  openingReads: (tenantId: string, conversationId: string) => ticketOpeningReads(db, tenantId, conversationId),
  get: (tenantId: string, id: string) =>
    db
      .select()
      .from(tickets)
      .where(and(eq(tickets.tenantId, tenantId), eq(tickets.id, id)))
      .get(),
  liveForConversation: (tenantId: string, conversationId: string) =>
    db
      .select()
      .from(tickets)
      .where(
        and(
          eq(tickets.tenantId, tenantId),
          eq(tickets.conversationId, conversationId),
          inArray(tickets.status, ["open", "pending"]),
        ),
      )
      .get(),
  /** Newest first. */
  list: (tenantId: string, f: TicketFilter) => {
    const where: (SQL | undefined)[] = [eq(tickets.tenantId, tenantId)];
    if (f.status?.length) where.push(inArray(tickets.status, f.status));
    if (f.priority?.length) where.push(inArray(tickets.priority, f.priority));
    if (f.categoryId) where.push(eq(tickets.categoryId, f.categoryId));
    if (f.assigneeId === null) where.push(isNull(tickets.assigneeId));
    else if (f.assigneeId) where.push(eq(tickets.assigneeId, f.assigneeId));
    if (f.team) where.push(eq(tickets.team, f.team));
    if (f.conversationId) where.push(eq(tickets.conversationId, f.conversationId));
    if (f.before) where.push(lt(tickets.id, f.before));
    if (f.breachedAt) {
      const at = f.breachedAt.getTime();
      where.push(
        inArray(tickets.status, ["open", "pending"]),
        sql`((${tickets.firstRespondedAt} is null and ${tickets.firstResponseDueAt} < ${at}) or ${tickets.resolutionDueAt} < ${at})`,
      );
    }
    return db
      .select()
      .from(tickets)
      .where(and(...where))
      .orderBy(desc(tickets.id))
      .limit(f.limit)
      .all();
  },
  /** Live (open + pending) tickets per assignee, for the per-agent cap. */
  openCounts: (tenantId: string) =>
    db
      .select({ assigneeId: tickets.assigneeId, n: count() })
      .from(tickets)
      .where(and(eq(tickets.tenantId, tenantId), inArray(tickets.status, ["open", "pending"])))
      .groupBy(tickets.assigneeId)
      .all(),
  insertStmt: (row: typeof tickets.$inferInsert) => db.insert(tickets).values(row),
  updateStmt: (tenantId: string, id: string, patch: Partial<typeof tickets.$inferInsert>) =>
    db
      .update(tickets)
      .set(patch)
      .where(and(eq(tickets.tenantId, tenantId), eq(tickets.id, id))),
  events: (tenantId: string, ticketId: string) =>
    db
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.tenantId, tenantId), eq(ticketEvents.ticketId, ticketId)))
      .orderBy(asc(ticketEvents.id))
      .all(),
  insertEventStmt: (row: typeof ticketEvents.$inferInsert) => db.insert(ticketEvents).values(row),
});

/**
 * Everything opening a ticket reads, in one D1 batch (one round trip): the conversation's live
 * ticket, SLA targets, routing rules, members, presence and open ticket counts per assignee.
 */
export async function ticketOpeningReads(db: Db, tenantId: string, conversationId: string) {
  const live = and(eq(tickets.tenantId, tenantId), inArray(tickets.status, ["open", "pending"]));
  const [liveTicket, sla, rules, members, presence, counts] = await db.batch([
    db
      .select()
      .from(tickets)
      .where(and(live, eq(tickets.conversationId, conversationId)))
      .limit(1),
    db.select().from(slaTargets).where(eq(slaTargets.tenantId, tenantId)),
    db
      .select()
      .from(routingRules)
      .where(eq(routingRules.tenantId, tenantId))
      .orderBy(asc(routingRules.position), asc(routingRules.id)),
    db
      .select({ userId: memberships.userId, role: memberships.role })
      .from(memberships)
      .where(eq(memberships.tenantId, tenantId))
      .orderBy(memberships.createdAt),
    db.select().from(agentPresence).where(eq(agentPresence.tenantId, tenantId)),
    db.select({ assigneeId: tickets.assigneeId, n: count() }).from(tickets).where(live).groupBy(tickets.assigneeId),
  ]);
  return { live: liveTicket[0], sla, rules, members, presence, counts };
}
