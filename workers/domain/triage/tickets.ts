import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type {
  ConversationRow,
  MemberRole,
  ConversationTriageRow,
  Priority,
  TicketRow,
  TicketStatus,
} from "../../storage/schema";
import type { TicketFilter } from "../../storage/triage-repo";
import type { AnswerCtx } from "../knowledge/answer-types";
import { membersHolding, roleHolds } from "../auth/permissions";
import { actorId, type Ctx } from "../ctx";
import { correctConversationCategory } from "./categories";
import { atLeast, computePriority } from "./priority";
import { problemOf } from "./problem";
import { chooseRoute, type AgentLoad } from "./routing";
import type { TicketCreateInput, TicketDto, TicketPatch, TicketQuery } from "./schemas";
import { dueTimes, slaTableOf } from "./sla";

/** An agent counts as online while their last presence heartbeat is this recent. */
export const PRESENCE_TTL_MS = 5 * 60_000;
const SUBJECT_CHARS = 120;

export function toTicketDto(t: TicketRow, now: number): TicketDto {
  const live = t.status === "open" || t.status === "pending";
  return {
    id: t.id,
    conversationId: t.conversationId,
    botId: t.botId,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    categoryId: t.categoryId,
    assigneeId: t.assigneeId,
    team: t.team,
    source: t.source,
    escalationReason: t.escalationReason,
    frustration: t.frustration,
    sla: {
      firstResponseDueAt: t.firstResponseDueAt.toISOString(),
      resolutionDueAt: t.resolutionDueAt.toISOString(),
      firstRespondedAt: t.firstRespondedAt?.toISOString() ?? null,
      solvedAt: t.solvedAt?.toISOString() ?? null,
      firstResponseBreached:
        (t.firstRespondedAt?.getTime() ?? (live ? now : Infinity)) > t.firstResponseDueAt.getTime(),
      resolutionBreached: (t.solvedAt?.getTime() ?? (live ? now : Infinity)) > t.resolutionDueAt.getTime(),
    },
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

type Actorish = { ctx: AnswerCtx; actor: string };

/**
 * Agents of the tenant (owner, admin, agent) with their live ticket counts and whether they are
 * online. Online means, in order: a fresh presence heartbeat (PUT /api/triage/presence/me, within
 * PRESENCE_TTL_MS) decides by its status; otherwise an open inbox socket on the TenantHub counts as
 * online. A tenant with neither signal (no dashboard open, no heartbeat) treats every agent as
 * online, so tickets still reach someone; the per-agent cap applies in every case.
 */
async function agentLoads(ctx: AnswerCtx): Promise<AgentLoad[]> {
  const [members, presence, counts] = await Promise.all([
    ctx.repos.memberships.list(ctx.tenantId),
    ctx.repos.presence.list(ctx.tenantId),
    ctx.repos.tickets.openCounts(ctx.tenantId),
  ]);
  return agentLoadsOf(ctx, { members, presence, counts });
}

/** Agent loads from rows already read (see ticketsRepo.openingReads), plus who has the inbox open. */
async function agentLoadsOf(
  ctx: AnswerCtx,
  rows: {
    members: { userId: string; role: string }[];
    presence: { userId: string; status: string; lastSeenAt: Date }[];
    counts: { assigneeId: string | null; n: number }[];
  },
): Promise<AgentLoad[]> {
  const { members, presence, counts } = rows;
  const connected = await ctx.hub
    .online(ctx.tenantId)
    .then((ops) => new Set(ops.map((o) => o.userId)))
    .catch(() => new Set<string>());
  const now = ctx.clock.now();
  const open = new Map(counts.map((c) => [c.assigneeId, c.n]));
  const fresh = new Map(
    presence.filter((p) => now - p.lastSeenAt.getTime() <= PRESENCE_TTL_MS).map((p) => [p.userId, p.status]),
  );
  const anySignal = fresh.size > 0 || connected.size > 0;
  // who may work tickets is a permission (tickets:write), so custom roles route like built-in ones
  return (
    await membersHolding(ctx.repos, ctx.tenantId, members as { userId: string; role: MemberRole }[], "tickets:write")
  ).map((m) => {
    const status = fresh.get(m.userId);
    const online = !anySignal || (status ? status === "online" : connected.has(m.userId));
    return { userId: m.userId, online, open: open.get(m.userId) ?? 0 };
  });
}

/** What the conversation room already knows when it opens a ticket, so nothing is read twice. */
export type KnownConversation = {
  /** The conversation's triage row (null: none yet). */
  triage: ConversationTriageRow | null;
  conversation: { botId: string; visitor: ConversationRow["visitor"] };
};

/**
 * Creates a ticket for a conversation: priority (unless given), SLA due times, routing, and the
 * first events, in one batch. The partial unique index keeps one live ticket per conversation, so
 * a concurrent duplicate fails and the existing ticket is returned (`created: false`).
 */
async function openTicket(
  { ctx, actor }: Actorish,
  input: {
    conversationId: string;
    botId: string | null;
    subject: string;
    source: "escalation" | "operator";
    reason: string | null;
    priority?: Priority;
    categoryId?: string | null;
    assigneeId?: string | null;
  },
  known?: KnownConversation,
): Promise<{ ticket: TicketRow; created: boolean }> {
  const tickets = ctx.repos.tickets;
  const reads = await ctx.repos.tickets.openingReads(ctx.tenantId, input.conversationId);
  if (reads.live) return { ticket: reads.live, created: false };
  const triage = known
    ? (known.triage ?? undefined)
    : await ctx.repos.conversationTriage.get(ctx.tenantId, input.conversationId);
  const conv = known?.conversation ?? (await ctx.repos.conversations.get(ctx.tenantId, input.conversationId));
  const categoryId = input.categoryId !== undefined ? input.categoryId : (triage?.categoryId ?? null);
  const category = categoryId ? await ctx.repos.categories.get(ctx.tenantId, categoryId) : undefined;
  const computed = computePriority({
    frustrationTrend: triage?.frustrationTrend ?? 0,
    frustrationMax: triage?.frustrationMax ?? 0,
    escalationReason: input.reason,
    categoryPriority: category?.priority ?? null,
    visitor: conv?.visitor ?? null,
  });
  const priority = input.priority ?? computed.priority;
  const now = ctx.clock.now();
  const due = dueTimes(slaTableOf(reads.sla), priority, now);
  let route = {
    ruleId: null as number | null,
    team: null as string | null,
    assigneeId: input.assigneeId ?? null,
    detail: "assigned on creation",
  };
  if (input.assigneeId === undefined)
    route = chooseRoute(reads.rules, { categoryId, priority }, await agentLoadsOf(ctx, reads));
  const row: TicketRow = {
    id: newId("tkt", now),
    tenantId: ctx.tenantId,
    conversationId: input.conversationId,
    botId: input.botId ?? conv?.botId ?? triage?.botId ?? null,
    subject: input.subject,
    status: "open",
    priority,
    categoryId,
    assigneeId: route.assigneeId,
    team: route.team,
    source: input.source,
    escalationReason: input.reason,
    frustration: triage ? Math.round(triage.frustrationTrend * 1000) / 1000 : null,
    ...due,
    firstRespondedAt: null,
    solvedAt: null,
    createdBy: actor,
    createdAt: new Date(now),
    updatedAt: new Date(now),
  };
  const ev = (i: number, kind: string, data: Record<string, unknown>) =>
    tickets.insertEventStmt({
      id: newId("evt", now + i),
      tenantId: ctx.tenantId,
      ticketId: row.id,
      kind,
      actor,
      data,
      createdAt: new Date(now),
    });
  try {
    await ctx.repos.batch([
      tickets.insertStmt(row),
      ev(0, "created", {
        source: input.source,
        reason: input.reason,
        priority,
        priorityReasons: input.priority ? ["set by operator"] : computed.reasons,
        categoryId,
      }),
      ev(1, "routed", { ruleId: route.ruleId, team: route.team, assigneeId: route.assigneeId, detail: route.detail }),
    ]);
  } catch (err) {
    const again = await tickets.liveForConversation(ctx.tenantId, input.conversationId);
    if (again) return { ticket: again, created: false };
    throw err;
  }
  if (route.ruleId !== null && route.assigneeId && route.team)
    await ctx.repos.routing.setCursor(ctx.tenantId, route.ruleId, route.assigneeId).run();
  await announce(ctx, row);
  return { ticket: row, created: true };
}

/** Tells operators' open ticket lists, through the tenant hub, that a ticket changed (best effort). */
async function announce(ctx: AnswerCtx, t: Pick<TicketRow, "id" | "conversationId" | "status" | "priority">) {
  await ctx.hub
    .publish(ctx.tenantId, {
      type: "ticket.changed",
      ticketId: t.id,
      conversationId: t.conversationId,
      status: t.status,
      priority: t.priority,
      at: new Date(ctx.clock.now()).toISOString(),
    })
    .catch((err: unknown) =>
      ctx.log.warn("triage: ticket event not published", { error: String(err), ticketId: t.id }),
    );
}

/** Called by the escalation hook: a ticket for the conversation unless it already has a live one. */
export async function createTicketForEscalation(
  ctx: AnswerCtx,
  input: { conversationId: string; botId: string; reason: string; transcript: { role: string; text: string }[] },
  known?: KnownConversation,
) {
  // the subject names the problem, not the greeting or the "agent please" before it
  const first = problemOf(input.transcript.filter((m) => m.role === "visitor"))?.text;
  const triage = known
    ? (known.triage ?? undefined)
    : await ctx.repos.conversationTriage.get(ctx.tenantId, input.conversationId);
  const subject = subjectOf(first ?? triage?.firstVisitorText ?? `Conversation ${input.conversationId}`);
  const opened = await openTicket(
    { ctx, actor: "system" },
    { conversationId: input.conversationId, botId: input.botId, subject, source: "escalation", reason: input.reason },
    known,
  );
  // the classifier may have labelled the conversation while the ticket was being written (its own
  // labelling pass then found no ticket yet): look once more. The room triages one message at a
  // time and labels the live ticket itself when a category first appears, so it need not look.
  if (!known && opened.created && !opened.ticket.categoryId) {
    const now = await ctx.repos.conversationTriage.get(ctx.tenantId, input.conversationId);
    if (now?.categoryId) {
      await labelLiveTicket(ctx, input.conversationId, now.categoryId);
      return {
        ticket: (await ctx.repos.tickets.liveForConversation(ctx.tenantId, input.conversationId)) ?? opened.ticket,
        created: true,
      };
    }
  }
  return opened;
}

function subjectOf(text: string) {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > SUBJECT_CHARS ? `${t.slice(0, SUBJECT_CHARS - 1)}…` : t || "(no text)";
}

async function assertAssignable(ctx: Ctx, userId: string) {
  const m = await ctx.repos.memberships.get(ctx.tenantId, userId);
  if (!m) throw new NotFound("member", userId);
  if (!(await roleHolds(ctx.repos, ctx.tenantId, m.role, "tickets:write")))
    throw new Invalid("this member cannot take tickets", [
      { path: "assigneeId", message: "this member's role lacks tickets:write" },
    ]);
}

async function assertCategory(ctx: Ctx, categoryId: string | null | undefined) {
  if (categoryId && !(await ctx.repos.categories.get(ctx.tenantId, categoryId)))
    throw new NotFound("category", categoryId);
}

/** An operator opens a ticket for a conversation (409 when it already has a live one). */
export async function createTicket(ctx: Ctx, input: TicketCreateInput) {
  const conv = await ctx.repos.conversations.get(ctx.tenantId, input.conversationId);
  const triage = await ctx.repos.conversationTriage.get(ctx.tenantId, input.conversationId);
  if (!conv && !triage) throw new NotFound("conversation", input.conversationId);
  await assertCategory(ctx, input.categoryId);
  if (input.assigneeId) await assertAssignable(ctx, input.assigneeId);
  if (await ctx.repos.tickets.liveForConversation(ctx.tenantId, input.conversationId))
    throw new Conflict("the conversation already has an open ticket");
  // the triage keeps the first visitor messages one per line: the subject is the one stating the problem
  const opening = triage?.firstVisitorText?.split("\n").map((text) => ({ text }));
  const first =
    (opening && problemOf(opening)?.text) ?? conv?.lastMessagePreview ?? `Conversation ${input.conversationId}`;
  const { ticket, created } = await openTicket(
    { ctx, actor: actorId(ctx.actor) },
    {
      conversationId: input.conversationId,
      botId: conv?.botId ?? triage?.botId ?? null,
      subject: input.subject ?? subjectOf(first),
      source: "operator",
      reason: null,
      ...(input.priority && { priority: input.priority }),
      ...(input.categoryId !== undefined && { categoryId: input.categoryId }),
      ...(input.assigneeId !== undefined && { assigneeId: input.assigneeId }),
    },
  );
  if (!created) throw new Conflict("the conversation already has an open ticket");
  return toTicketDto(ticket, ctx.clock.now());
}

export async function listTickets(ctx: Ctx, q: TicketQuery) {
  const f: TicketFilter = { limit: q.limit + 1 };
  if (q.status) f.status = q.status;
  if (q.priority) f.priority = q.priority;
  if (q.categoryId) f.categoryId = q.categoryId;
  if (q.assigneeId)
    f.assigneeId = q.assigneeId === "none" ? null : q.assigneeId === "me" ? actorId(ctx.actor) : q.assigneeId;
  if (q.team) f.team = q.team;
  if (q.conversationId) f.conversationId = q.conversationId;
  if (q.breached === "true") f.breachedAt = new Date(ctx.clock.now());
  if (q.cursor) f.before = q.cursor;
  const rows = await ctx.repos.tickets.list(ctx.tenantId, f);
  const page = rows.slice(0, q.limit);
  return {
    data: page.map((t) => toTicketDto(t, ctx.clock.now())),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}

async function requireTicket(ctx: Ctx, id: string) {
  const t = await ctx.repos.tickets.get(ctx.tenantId, id);
  if (!t) throw new NotFound("ticket", id);
  return t;
}

/**
 * A ticket with its history. The first agent reply in the conversation's D1 copy counts as the first
 * response when nothing recorded it yet (the room's flush lands within seconds).
 */
export async function getTicket(ctx: Ctx, id: string) {
  let t = await requireTicket(ctx, id);
  if (!t.firstRespondedAt) {
    const msgs = await ctx.repos.messages.list(ctx.tenantId, t.conversationId, {
      limit: 500,
      includeInternal: false,
    });
    const reply = msgs.find((m) => m.role === "agent" && m.createdAt.getTime() >= t.createdAt.getTime());
    if (reply) {
      await ctx.repos.tickets.updateStmt(ctx.tenantId, t.id, { firstRespondedAt: reply.createdAt }).run();
      t = { ...t, firstRespondedAt: reply.createdAt };
    }
  }
  const events = await ctx.repos.tickets.events(ctx.tenantId, id);
  return {
    ...toTicketDto(t, ctx.clock.now()),
    events: events.map((e) => ({
      id: e.id,
      kind: e.kind,
      actor: e.actor,
      data: e.data,
      at: e.createdAt.toISOString(),
    })),
  };
}

const NEXT_STATUS: Record<TicketStatus, TicketStatus[]> = {
  open: ["pending", "solved", "closed"],
  pending: ["open", "solved", "closed"],
  solved: ["open", "closed"],
  closed: [],
};

/**
 * The conversation got its first category after its ticket was opened (an escalation can outrun
 * the classifier): the live ticket takes the category if it has none, and its priority rises to the
 * category's floor. An unassigned ticket is routed again by the category's rules.
 */
export async function labelLiveTicket(ctx: AnswerCtx, conversationId: string, categoryId: string): Promise<void> {
  const tickets = ctx.repos.tickets;
  const t = await tickets.liveForConversation(ctx.tenantId, conversationId);
  if (!t || t.categoryId) return;
  const category = await ctx.repos.categories.get(ctx.tenantId, categoryId);
  if (!category) return;
  const now = ctx.clock.now();
  const set: Partial<TicketRow> = { categoryId, updatedAt: new Date(now) };
  const events: Change[] = [{ kind: "category", data: { from: null, to: categoryId, by: "classifier" } }];
  if (category.priority && !atLeast(t.priority, category.priority)) {
    set.priority = category.priority;
    Object.assign(
      set,
      dueTimes(slaTableOf(await ctx.repos.sla.list(ctx.tenantId)), category.priority, t.createdAt.getTime()),
    );
    events.push({ kind: "priority", data: { from: t.priority, to: category.priority, reason: "category floor" } });
  }
  let cursor: { ruleId: number; userId: string } | undefined;
  if (!t.assigneeId && !t.team) {
    const route = chooseRoute(
      await ctx.repos.routing.list(ctx.tenantId),
      { categoryId, priority: set.priority ?? t.priority },
      await agentLoads(ctx),
    );
    if (route.ruleId !== null) {
      Object.assign(set, { assigneeId: route.assigneeId, team: route.team });
      events.push({
        kind: "routed",
        data: { ruleId: route.ruleId, team: route.team, assigneeId: route.assigneeId, detail: route.detail },
      });
      if (route.assigneeId && route.team) cursor = { ruleId: route.ruleId, userId: route.assigneeId };
    }
  }
  await saveChange(ctx, t, set, events, "system");
  if (cursor) await ctx.repos.routing.setCursor(ctx.tenantId, cursor.ruleId, cursor.userId).run();
}

type Change = { kind: string; data: Record<string, unknown> };

/**
 * Closing a conversation solves its live (open or pending) ticket: solved now, first response now if
 * none was recorded, and assigned to `by` (who handled the conversation) when it had no assignee.
 */
export async function solveTicketOnClose(
  ctx: AnswerCtx,
  input: { conversationId: string; by: string | null },
): Promise<void> {
  const t = await ctx.repos.tickets.liveForConversation(ctx.tenantId, input.conversationId);
  if (!t) return;
  const now = new Date(ctx.clock.now());
  const set: Partial<TicketRow> = { status: "solved", solvedAt: t.solvedAt ?? now, updatedAt: now };
  if (!t.firstRespondedAt) set.firstRespondedAt = now;
  const events: Change[] = [{ kind: "status", data: { from: t.status, to: "solved", reason: "conversation closed" } }];
  // an API key's socket (key_…) is no one to assign a ticket to
  if (!t.assigneeId && input.by?.startsWith("usr_")) {
    set.assigneeId = input.by;
    events.push({ kind: "assignee", data: { from: null, to: input.by, reason: "handled the conversation" } });
  }
  await saveChange(ctx, t, set, events, input.by ?? "system");
}

/** Writes a ticket's changed fields and their history in one batch, then tells the live ticket lists. */
async function saveChange(ctx: AnswerCtx, t: TicketRow, set: Partial<TicketRow>, events: Change[], actor: string) {
  const tickets = ctx.repos.tickets;
  const now = ctx.clock.now();
  await ctx.repos.batch([
    tickets.updateStmt(ctx.tenantId, t.id, set),
    ...events.map((e, i) =>
      tickets.insertEventStmt({
        id: newId("evt", now + i),
        tenantId: ctx.tenantId,
        ticketId: t.id,
        kind: e.kind,
        actor,
        data: e.data,
        createdAt: new Date(now),
      }),
    ),
  ]);
  if (events.length) await announce(ctx, { ...t, ...set });
}

/** Status, priority (due times follow), assignee, category (a correction: it teaches the classifier), subject. */
export async function updateTicket(ctx: Ctx, id: string, patch: TicketPatch) {
  const t = await requireTicket(ctx, id);
  if (patch.assigneeId) await assertAssignable(ctx, patch.assigneeId);
  await assertCategory(ctx, patch.categoryId);
  const now = ctx.clock.now();
  const set: Partial<TicketRow> = { updatedAt: new Date(now) };
  const events: Change[] = [];
  if (patch.status && patch.status !== t.status) {
    if (!NEXT_STATUS[t.status].includes(patch.status))
      throw new Conflict(`a ${t.status} ticket cannot become ${patch.status}`);
    set.status = patch.status;
    if (patch.status === "solved" || patch.status === "closed") set.solvedAt = t.solvedAt ?? new Date(now);
    if (patch.status === "open") set.solvedAt = null;
    // answering the customer (pending: waiting on them) or solving counts as the first response
    if ((patch.status === "pending" || patch.status === "solved") && !t.firstRespondedAt)
      set.firstRespondedAt = new Date(now);
    events.push({ kind: "status", data: { from: t.status, to: patch.status } });
  }
  if (patch.priority && patch.priority !== t.priority) {
    set.priority = patch.priority;
    Object.assign(
      set,
      dueTimes(slaTableOf(await ctx.repos.sla.list(ctx.tenantId)), patch.priority, t.createdAt.getTime()),
    );
    events.push({
      kind: "priority",
      data: {
        from: t.priority,
        to: patch.priority,
        firstResponseDueAt: set.firstResponseDueAt,
        resolutionDueAt: set.resolutionDueAt,
      },
    });
  }
  if (patch.assigneeId !== undefined && patch.assigneeId !== t.assigneeId) {
    set.assigneeId = patch.assigneeId;
    events.push({ kind: "assignee", data: { from: t.assigneeId, to: patch.assigneeId } });
  }
  if (patch.subject !== undefined && patch.subject !== t.subject) {
    set.subject = patch.subject;
    events.push({ kind: "subject", data: { from: t.subject, to: patch.subject } });
  }
  const recategorize = patch.categoryId !== undefined && patch.categoryId !== t.categoryId;
  if (recategorize) {
    set.categoryId = patch.categoryId;
    events.push({ kind: "category", data: { from: t.categoryId, to: patch.categoryId } });
  }
  await saveChange(ctx, t, set, events, actorId(ctx.actor));
  if (recategorize && patch.categoryId) await learnFromTicket(ctx, t.conversationId, patch.categoryId);
  return getTicket(ctx, id);
}

/** A category set on a ticket is a correction of the conversation's label. */
async function learnFromTicket(ctx: Ctx, conversationId: string, categoryId: string) {
  try {
    await correctConversationCategory(ctx, conversationId, categoryId);
  } catch (err) {
    // a conversation without any visitor text has nothing to learn from; the ticket change stands
    if (!(err instanceof Conflict || err instanceof NotFound)) throw err;
  }
}
