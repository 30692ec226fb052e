/**
 * Tickets: a filtered list (status, priority, assignee, category) with the SLA clock that matters
 * in words, and one ticket: status, priority, category and assignee saved as they change, its due
 * times, history, escalation reason, a link to the conversation and a one-paragraph summary.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Ticket, TicketEvent, TicketPriority, TicketStatus } from "../api";
import { can } from "../models/session";
import { connectInbox, onHubEvent } from "../models/inbox";
import * as tk from "../models/tickets";
import { ago, str } from "../models/util";
import { match, route } from "../router";
import { Empty, ErrorNote, Loading, Select } from "../ui/kit";

/** Re-renders every 30 s so "due in" and "overdue by" stay true while the screen is open. */
function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

function Sla({ line }: { line: tk.SlaLine }) {
  return (
    <span class={`sla ${line.tone}`}>
      {line.tone === "overdue" && <span aria-hidden="true">⚠ </span>}
      {line.text}
      <span class="muted">
        {" "}
        · due <time dateTime={line.dueAt}>{when(line.dueAt)}</time>
      </span>
    </span>
  );
}

function PriorityTag({ p }: { p: TicketPriority }) {
  return <span class={`tag prio prio-${p}`}>{tk.PRIORITY_LABEL[p]}</span>;
}

function Row({ t, now }: { t: Ticket; now: number }) {
  const sla = tk.slaNow(t, now);
  const who = tk.memberName(t.assigneeId);
  return (
    <li class={`ticket prio-${t.priority}${sla.tone === "overdue" ? " overdue" : ""}`} data-id={t.id}>
      <a href={`/app/tickets/${encodeURIComponent(t.id)}`}>
        <span class="ticket-top">
          <strong class="ticket-subject">{t.subject}</strong>
          <time class="muted small" dateTime={t.createdAt}>
            {ago(t.createdAt)}
          </time>
        </span>
        <span class="ticket-tags">
          <PriorityTag p={t.priority} />
          <span class={`tag status-${t.status}`}>{tk.STATUS_LABEL[t.status]}</span>
          <span class="tag">{tk.categoryName(t.categoryId) ?? "Uncategorised"}</span>
          <span class="muted small">
            {who ? `Assigned to ${who}` : t.team ? `Unassigned · ${t.team} queue` : "Unassigned"}
          </span>
        </span>
        <Sla line={sla} />
      </a>
    </li>
  );
}

const STATUS_OPTIONS = [
  ["live", "Open and pending"],
  ...tk.STATUSES.map((s) => [s, tk.STATUS_LABEL[s]] as const),
  ["any", "Any status"],
] as const;
const PRIORITY_OPTIONS = [
  ["", "Any priority"],
  ...tk.PRIORITIES.map((p) => [p, tk.PRIORITY_LABEL[p]] as const),
] as const;
const ASSIGNEE_OPTIONS = [
  ["anyone", "Anyone"],
  ["mine", "Mine"],
  ["unassigned", "Unassigned"],
] as const;

function TicketList() {
  const now = useNow();
  const f = tk.filter.value;
  const list = tk.rows.value;
  useEffect(() => {
    void tk.loadTickets();
    const onVisible = () => document.visibilityState === "visible" && void tk.loadTickets();
    document.addEventListener("visibilitychange", onVisible);
    // live: the tenant hub says when a ticket is opened or changes; one re-read per burst
    let soon: ReturnType<typeof setTimeout> | undefined;
    const disconnect = connectInbox();
    const off = onHubEvent((f) => {
      if (f.type !== "ticket.changed") return;
      clearTimeout(soon);
      soon = setTimeout(() => void tk.loadTickets(), 300);
    });
    return () => {
      clearTimeout(soon);
      off();
      disconnect();
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, []);
  const cats = tk.categories.value ?? [];
  return (
    <main class="page" id="main">
      <header class="page-head row between wrap">
        <h1>Tickets</h1>
        <button type="button" class="btn small" onClick={() => void tk.loadTickets()} disabled={tk.loading.value}>
          {tk.loading.value ? "Refreshing…" : "Refresh"}
        </button>
      </header>
      <form class="ticket-filters" role="search" aria-label="Filter tickets" onSubmit={(e) => e.preventDefault()}>
        <Select label="Status" value={f.status} onValue={(v) => tk.setFilter({ status: v })} options={STATUS_OPTIONS} />
        <Select
          label="Priority"
          value={f.priority}
          onValue={(v) => tk.setFilter({ priority: v })}
          options={PRIORITY_OPTIONS}
        />
        <Select
          label="Assignee"
          value={f.assignee}
          onValue={(v) => tk.setFilter({ assignee: v })}
          options={ASSIGNEE_OPTIONS}
        />
        <Select
          label="Category"
          value={f.categoryId}
          onValue={(v) => tk.setFilter({ categoryId: v })}
          options={[["", "Any category"], ...cats.map((c) => [c.id, c.name] as const)]}
        />
      </form>
      <ErrorNote error={tk.error.value && `Could not load tickets: ${tk.error.value}`} />
      {!tk.loaded.value ? (
        <Loading label="Loading tickets…" />
      ) : list.length === 0 ? (
        tk.error.value ? (
          <button type="button" class="btn" onClick={() => void tk.loadTickets()}>
            Try again
          </button>
        ) : (
          <Empty title="No tickets match these filters">
            A ticket opens when a conversation is handed to a person, or when an operator opens one from a conversation.
          </Empty>
        )
      ) : (
        <ul class="ticket-list" aria-label="Tickets" aria-busy={tk.loading.value}>
          {list.map((t) => (
            <Row key={t.id} t={t} now={now} />
          ))}
        </ul>
      )}
      {tk.nextCursor.value && (
        <button type="button" class="btn wide" disabled={tk.loading.value} onClick={() => void tk.loadTickets(true)}>
          {tk.loading.value ? "Loading…" : "Load more"}
        </button>
      )}
    </main>
  );
}

/** One history entry in words, e.g. "Priority: High → Urgent". */
function eventText(e: TicketEvent): string {
  const d = e.data;
  const from = str(d.from) ?? null;
  const to = str(d.to) ?? null;
  const label = (map: Record<string, string>, x: string | null) => (x ? (map[x] ?? x) : "none");
  switch (e.kind) {
    case "created": {
      const why = str(d.reason) ? ` (${tk.reasonText(str(d.reason))})` : "";
      const reasons = Array.isArray(d.priorityReasons)
        ? d.priorityReasons.filter((r): r is string => typeof r === "string")
        : [];
      const p = str(d.priority);
      return `Opened ${d.source === "escalation" ? `by escalation${why}` : "by an operator"}${p ? `, priority ${label(tk.PRIORITY_LABEL, p)}` : ""}${reasons.length ? ` (${reasons.join("; ")})` : ""}`;
    }
    case "routed": {
      const who = tk.memberName(str(d.assigneeId));
      const team = str(d.team);
      return `${who ? `Assigned to ${who}` : "Left unassigned"}${team ? ` in the ${team} queue` : ""}${str(d.detail) ? ` (${str(d.detail)})` : ""}`;
    }
    case "status":
      return `Status: ${label(tk.STATUS_LABEL, from)} → ${label(tk.STATUS_LABEL, to)}`;
    case "priority":
      return `Priority: ${label(tk.PRIORITY_LABEL, from)} → ${label(tk.PRIORITY_LABEL, to)} (due times moved)`;
    case "assignee":
      return `Assignee: ${tk.memberName(from) ?? "nobody"} → ${tk.memberName(to) ?? "nobody"}`;
    case "category":
      return `Category: ${tk.categoryName(from) ?? "none"} → ${tk.categoryName(to) ?? "none"}`;
    case "subject":
      return `Subject changed to “${to ?? ""}”`;
    default:
      return e.kind.replace(/_/g, " ");
  }
}

function Fields({ m }: { m: tk.TicketModel }) {
  const t = m.ticket.value!;
  const cats = tk.categories.value ?? [];
  const people = tk.assignable();
  if (!can("tickets:write"))
    return (
      <dl class="ticket-facts">
        <dt>Status</dt>
        <dd>{tk.STATUS_LABEL[t.status]}</dd>
        <dt>Priority</dt>
        <dd>{tk.PRIORITY_LABEL[t.priority]}</dd>
        <dt>Category</dt>
        <dd>{tk.categoryName(t.categoryId) ?? "Uncategorised"}</dd>
        <dt>Assignee</dt>
        <dd>{tk.memberName(t.assigneeId) ?? "Unassigned"}</dd>
      </dl>
    );
  const statuses: TicketStatus[] = [t.status, ...tk.NEXT_STATUS[t.status]];
  // a stale id (deleted category, removed member) still shows as a choice rather than a blank select
  const catOptions = [["", "Uncategorised"] as const, ...cats.map((c) => [c.id, c.name] as const)];
  if (t.categoryId && !cats.some((c) => c.id === t.categoryId))
    catOptions.push([t.categoryId, tk.categoryName(t.categoryId) ?? t.categoryId]);
  const whoOptions = [["", "Unassigned"] as const, ...people.map((p) => [p.userId, p.name ?? p.email] as const)];
  if (t.assigneeId && !people.some((p) => p.userId === t.assigneeId))
    whoOptions.push([t.assigneeId, tk.memberName(t.assigneeId) ?? t.assigneeId]);
  return (
    <div class="ticket-fields">
      <Select
        label="Status"
        value={t.status}
        onValue={(v) => void m.update({ status: v })}
        options={statuses.map((s) => [s, tk.STATUS_LABEL[s]] as const)}
      />
      <Select
        label="Priority"
        value={t.priority}
        onValue={(v) => void m.update({ priority: v })}
        options={tk.PRIORITIES.map((p) => [p, tk.PRIORITY_LABEL[p]] as const)}
      />
      <Select
        label="Category"
        value={t.categoryId ?? ""}
        onValue={(v) => void m.update({ categoryId: v || null })}
        options={catOptions}
      />
      <Select
        label="Assignee"
        value={t.assigneeId ?? ""}
        onValue={(v) => void m.update({ assigneeId: v || null })}
        options={whoOptions}
      />
    </div>
  );
}

function TicketDetail({ id }: { id: string }) {
  const m = useMemo(() => tk.openTicket(id), [id]);
  const now = useNow();
  const t = m.ticket.value;
  if (!t)
    return (
      <main class="page" id="main">
        <p>
          <a href="/app/tickets">← All tickets</a>
        </p>
        {m.error.value ? (
          <ErrorNote error={`Could not load this ticket: ${m.error.value}`} />
        ) : (
          <Loading label="Loading ticket…" />
        )}
      </main>
    );
  const sla = tk.slaLines(t, now);
  const saving = m.saving.value;
  return (
    <main class="page ticket-page" id="main">
      <p>
        <a href="/app/tickets">← All tickets</a>
      </p>
      <header class="page-head">
        <h1>{t.subject}</h1>
        <p class="muted small">
          <PriorityTag p={t.priority} />
          <span class={`tag status-${t.status}`}>{tk.STATUS_LABEL[t.status]}</span>
          Opened {ago(t.createdAt)} {t.source === "escalation" ? "by escalation" : "by an operator"} ·{" "}
          <span class="mono">{t.id}</span>
        </p>
      </header>
      <div class="cols">
        <div class="col">
          <section class="card" aria-labelledby="tk-fields-h">
            <h2 id="tk-fields-h">Ticket</h2>
            <Fields m={m} />
            <p class="muted small" role="status">
              {saving
                ? `Saving ${saving === "assigneeId" ? "assignee" : saving === "categoryId" ? "category" : saving}…`
                : m.saved.value
                  ? "Saved"
                  : ""}
            </p>
            <ErrorNote error={m.error.value && `Not saved: ${m.error.value}`} />
          </section>
          <section class="card" aria-labelledby="tk-sum-h">
            <div class="row between">
              <h2 id="tk-sum-h">Summary</h2>
              <button
                type="button"
                class="btn small"
                onClick={() => void m.summarise()}
                disabled={m.summarising.value}
                aria-busy={m.summarising.value}
              >
                {m.summary.value ? "Summarise again" : "Summarise"}
              </button>
            </div>
            <div aria-live="polite">
              {m.summarising.value ? (
                <Loading label="Summarising the conversation…" />
              ) : m.summary.value ? (
                <p class="summary-text">{m.summary.value}</p>
              ) : (
                <p class="muted small">
                  A one-paragraph hand-off: the issue, what was tried, the customer's mood and what is pending.
                </p>
              )}
            </div>
            <ErrorNote error={m.summaryError.value && `Could not summarise: ${m.summaryError.value}`} />
          </section>
          <section class="card" aria-labelledby="tk-hist-h">
            <h2 id="tk-hist-h">History</h2>
            <ol class="events">
              {t.events.map((e) => (
                <li key={e.id}>
                  <span>{eventText(e)}</span>
                  <small class="muted">
                    {e.actor === "system" ? "Echo" : (tk.memberName(e.actor) ?? e.actor)} ·{" "}
                    <time dateTime={e.at}>{when(e.at)}</time>
                  </small>
                </li>
              ))}
            </ol>
          </section>
        </div>
        <aside class="col" aria-label="Service level and escalation">
          <section class="card" aria-labelledby="tk-sla-h">
            <h2 id="tk-sla-h">Service level</h2>
            <p>
              <Sla line={sla.first} />
            </p>
            <p>
              <Sla line={sla.resolution} />
            </p>
          </section>
          <section class="card" aria-labelledby="tk-esc-h">
            <h2 id="tk-esc-h">Conversation</h2>
            <p>
              {t.source === "escalation"
                ? `Escalated: ${tk.reasonText(t.escalationReason) || "handed to a person"}.`
                : "Opened by an operator."}
            </p>
            {t.frustration !== null && <p class="muted small">Frustration trend {Math.round(t.frustration * 100)}%</p>}
            {t.team && <p class="muted small">Queue: {t.team}</p>}
            <a class="btn" href={`/app/c/${encodeURIComponent(t.conversationId)}`}>
              Open conversation
            </a>
          </section>
        </aside>
      </div>
    </main>
  );
}

export function Tickets() {
  const id = match("/tickets/:id", route.value.path)?.id;
  useEffect(() => void tk.loadLookups(), []);
  return id ? <TicketDetail key={id} id={id} /> : <TicketList />;
}
