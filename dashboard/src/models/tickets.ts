/**
 * Tickets: the filtered list (GET /api/tickets, newest first, cursor pages), one ticket with its
 * history, and the words both screens and the conversation view share (priority, status, SLA,
 * escalation reasons). Tickets have no live feed, so the list is fetched on entry, on a filter
 * change, on Refresh and when the tab becomes visible again.
 */
import { batch, signal } from "@preact/signals";
import {
  api,
  settingsApi,
  triageApi,
  type Category,
  type Member,
  type Ticket,
  type TicketPatch,
  type TicketPriority,
  type TicketStatus,
  type TicketWithEvents,
} from "../api";
import { session } from "./session";
import { errorText } from "./util";

export const PRIORITIES = ["urgent", "high", "normal", "low"] as const satisfies readonly TicketPriority[];
export const STATUSES = ["open", "pending", "solved", "closed"] as const satisfies readonly TicketStatus[];
export const PRIORITY_LABEL: Record<TicketPriority, string> = {
  urgent: "Urgent",
  high: "High",
  normal: "Normal",
  low: "Low",
};
export const STATUS_LABEL: Record<TicketStatus, string> = {
  open: "Open",
  pending: "Pending",
  solved: "Solved",
  closed: "Closed",
};
/** The server's allowed moves (workers/domain/triage/tickets.ts NEXT_STATUS); others answer 409. */
export const NEXT_STATUS: Record<TicketStatus, TicketStatus[]> = {
  open: ["pending", "solved", "closed"],
  pending: ["open", "solved", "closed"],
  solved: ["open", "closed"],
  closed: [],
};

const REASONS: Record<string, string> = {
  asked_for_human: "asked for a person",
  frustration: "visitor frustrated",
  frustrated: "visitor frustrated",
  repeated_question: "asked the same question again",
  low_confidence: "the AI was unsure",
  provider_failed: "the AI failed",
  ticket_requested: "a ticket was requested on a call",
};
export const reasonText = (r: string | null | undefined) => (r ? (REASONS[r] ?? r.replace(/_/g, " ")) : "");

// ---------------------------------------------------------------- lookups

/** Categories and team members for names and selects; null until loaded. */
export const categories = signal<Category[] | null>(null);
export const members = signal<Member[] | null>(null);
let lookups: Promise<void> | null = null;
export function loadLookups(force = false): Promise<void> {
  if (lookups && !force) return lookups;
  lookups = Promise.all([
    settingsApi.categories.list().then((r) => void (categories.value = r.data)),
    api.team.members().then((r) => void (members.value = r.data)),
  ])
    .then(() => undefined)
    .catch(() => void (lookups = null));
  return lookups;
}
export const categoryName = (id: string | null | undefined) =>
  id ? (categories.value?.find((c) => c.id === id)?.name ?? "Unknown category") : null;
export function memberName(id: string | null | undefined): string | null {
  if (!id) return null;
  if (id === session.value?.user.id) return "you";
  const m = members.value?.find((x) => x.userId === id);
  return m ? (m.name ?? m.email) : id === "system" ? "Echo" : id;
}
/** Members whose role may take tickets (the server refuses the others, custom roles included). */
export const assignable = () => (members.value ?? []).filter((m) => m.canTakeTickets);

// ---------------------------------------------------------------- SLA in words

export function duration(ms: number): string {
  const min = Math.max(1, Math.round(ms / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d ${h % 24 ? `${h % 24} h` : ""}`.trim();
}

export type SlaTone = "overdue" | "soon" | "ok" | "done";
export type SlaLine = { label: string; text: string; tone: SlaTone; dueAt: string };

/** One SLA clock in words: met, missed, overdue by, due in. "soon" is the last quarter of its window. */
export function slaLine(
  label: string,
  dueAt: string,
  doneAt: string | null,
  live: boolean,
  createdAt: string,
  now: number,
): SlaLine {
  const due = Date.parse(dueAt);
  if (doneAt) {
    const late = Date.parse(doneAt) > due;
    return {
      label,
      dueAt,
      tone: late ? "overdue" : "done",
      text: late ? `${label} missed by ${duration(Date.parse(doneAt) - due)}` : `${label} met`,
    };
  }
  if (!live) return { label, dueAt, tone: "done", text: `${label}: not needed` };
  if (now > due) return { label, dueAt, tone: "overdue", text: `${label} overdue by ${duration(now - due)}` };
  const soon = due - now < (due - Date.parse(createdAt)) / 4;
  return { label, dueAt, tone: soon ? "soon" : "ok", text: `${label} due in ${duration(due - now)}` };
}

export function slaLines(t: Ticket, now: number): { first: SlaLine; resolution: SlaLine } {
  const live = t.status === "open" || t.status === "pending";
  return {
    first: slaLine("First response", t.sla.firstResponseDueAt, t.sla.firstRespondedAt, live, t.createdAt, now),
    resolution: slaLine("Resolution", t.sla.resolutionDueAt, t.sla.solvedAt, live, t.createdAt, now),
  };
}

/** The clock that matters now: the first response until it happened, then the resolution. */
export function slaNow(t: Ticket, now: number): SlaLine {
  const { first, resolution } = slaLines(t, now);
  if (t.status === "solved" || t.status === "closed") return resolution;
  return t.sla.firstRespondedAt ? resolution : first;
}

// ---------------------------------------------------------------- the list

export type TicketFilter = {
  status: "live" | "any" | TicketStatus;
  priority: "" | TicketPriority;
  assignee: "anyone" | "mine" | "unassigned";
  categoryId: string;
};

export const filter = signal<TicketFilter>({ status: "live", priority: "", assignee: "anyone", categoryId: "" });
export const rows = signal<Ticket[]>([]);
export const loading = signal(false);
/** True once a first page (or an error) arrived for the current filters. */
export const loaded = signal(false);
export const error = signal<string | null>(null);
export const nextCursor = signal<string | null>(null);

function query(f: TicketFilter, cursor?: string) {
  return {
    status: f.status === "live" ? "open,pending" : f.status === "any" ? undefined : f.status,
    priority: f.priority || undefined,
    assigneeId: f.assignee === "mine" ? "me" : f.assignee === "unassigned" ? "none" : undefined,
    categoryId: f.categoryId || undefined,
    cursor,
    limit: "50",
  };
}

let listAbort: AbortController | null = null;
export async function loadTickets(more = false) {
  listAbort?.abort();
  const ctrl = (listAbort = new AbortController());
  loading.value = true;
  try {
    const page = await triageApi.tickets.list(
      query(filter.value, more ? (nextCursor.value ?? undefined) : undefined),
      ctrl.signal,
    );
    batch(() => {
      rows.value = more
        ? [...rows.value, ...page.data.filter((t) => !rows.value.some((r) => r.id === t.id))]
        : page.data;
      nextCursor.value = page.nextCursor ?? null;
      error.value = null;
      loaded.value = true;
    });
  } catch (err) {
    if (err instanceof DOMException) return;
    batch(() => {
      error.value = errorText(err);
      loaded.value = true;
    });
  } finally {
    if (listAbort === ctrl) loading.value = false;
  }
}

export function setFilter(patch: Partial<TicketFilter>) {
  filter.value = { ...filter.value, ...patch };
  loaded.value = false;
  void loadTickets();
}

/** Keeps a changed ticket's row current without a re-list. */
function replaceRow(t: Ticket) {
  if (rows.value.some((r) => r.id === t.id)) rows.value = rows.value.map((r) => (r.id === t.id ? t : r));
}

// ---------------------------------------------------------------- one ticket

export type TicketModel = ReturnType<typeof openTicket>;

export function openTicket(id: string) {
  const ticket = signal<TicketWithEvents | null>(null);
  const error = signal<string | null>(null);
  /** Which field is being saved, for a "Saving…" status in words. */
  const saving = signal<keyof TicketPatch | null>(null);
  const saved = signal(false);
  const summary = signal<string | null>(null);
  const summarising = signal(false);
  const summaryError = signal<string | null>(null);

  const load = async () => {
    try {
      ticket.value = await triageApi.tickets.get(id);
      error.value = null;
    } catch (err) {
      error.value = errorText(err);
    }
  };
  void load();

  return {
    id,
    ticket,
    error,
    saving,
    saved,
    summary,
    summarising,
    summaryError,
    reload: load,
    /** Saves one change at once; the select shows it straight away and reverts if the server refuses. */
    async update(patch: TicketPatch) {
      const before = ticket.value;
      if (!before) return;
      const field = Object.keys(patch)[0] as keyof TicketPatch;
      batch(() => {
        ticket.value = { ...before, ...patch } as TicketWithEvents;
        saving.value = field;
        saved.value = false;
        error.value = null;
      });
      try {
        const next = await triageApi.tickets.update(id, patch);
        batch(() => {
          ticket.value = next;
          saved.value = true;
        });
        replaceRow(next);
      } catch (err) {
        batch(() => {
          ticket.value = before;
          error.value = errorText(err);
        });
      } finally {
        saving.value = null;
      }
    },
    async summarise() {
      summarising.value = true;
      summaryError.value = null;
      try {
        summary.value = (await triageApi.tickets.summary(id)).summary;
      } catch (err) {
        summaryError.value = errorText(err);
      } finally {
        summarising.value = false;
      }
    },
  };
}
