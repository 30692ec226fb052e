/**
 * The live inbox: the first page comes from GET /api/conversations, then the TenantHub socket
 * (/api/inbox/ws) keeps rows current without reloads. The hub sends coarse events, never message
 * tokens; any event naming a conversation we do not hold, or without its row, triggers one
 * debounced re-list, so the screen converges even on event shapes it does not know.
 */
import { batch, computed, effect, signal } from "@preact/signals";
import { api, type Bot, type Conversation } from "../api";
import { openSocket, type LiveSocket } from "./socket";
import { session } from "./session";
import { errorText, num, str } from "./util";

export type InboxFilter = {
  view: "all" | "mine" | "unassigned" | "waiting";
  status: "open" | "closed";
  botId: string;
  q: string;
};

export const filter = signal<InboxFilter>({ view: "all", status: "open", botId: "", q: "" });
export const rows = signal<Map<string, Conversation>>(new Map());
export const loading = signal(false);
export const error = signal<string | null>(null);
export const nextCursor = signal<string | null>(null);
export const bots = signal<Bot[]>([]);
export const selected = signal<string | null>(null);
export const live = signal<"connecting" | "open" | "closed">("closed");
/** Last sequence number the operator has seen per conversation (this browser), for unread counts. */
const seen = signal<Record<string, number>>(readSeen());

function readSeen(): Record<string, number> {
  try {
    const v: unknown = JSON.parse(localStorage.getItem("echo.seen") ?? "{}");
    return v && typeof v === "object" ? (v as Record<string, number>) : {};
  } catch {
    return {};
  }
}

export function markSeen(id: string, seq: number) {
  if ((seen.value[id] ?? -1) >= seq) return;
  const next = { ...seen.value, [id]: seq };
  seen.value = next;
  const keys = Object.keys(next);
  // keep the map bounded: the oldest entries go first (insertion order)
  for (const k of keys.slice(0, Math.max(0, keys.length - 500))) delete next[k];
  localStorage.setItem("echo.seen", JSON.stringify(next));
}

export function unreadOf(c: Conversation): number {
  if (typeof c.unread === "number") return c.unread;
  if (isClosed(c)) return 0;
  const last = num(c.messageCount) ?? num(c.lastSeq) ?? 0;
  return Math.max(0, last - (seen.value[c.id] ?? 0));
}

/** Waiting for a person: the room's status says so (asked for a human, or the AI handed off). */
export function isWaiting(c: Conversation): boolean {
  return c.status === "waiting";
}

export function isClosed(c: Conversation) {
  return c.mode === "closed" || c.status === "closed";
}

function matches(c: Conversation, f: InboxFilter, me: string | undefined): boolean {
  // a widget opened on a page starts a conversation; it is worth a row once someone writes
  if (c.channel === "chat" && !num(c.messageCount)) return false;
  if ((f.status === "closed") !== isClosed(c)) return false;
  if (f.botId && c.botId !== f.botId) return false;
  if (f.view === "mine" && c.assigneeId !== me) return false;
  if (f.view === "unassigned" && c.assigneeId) return false;
  if (f.view === "waiting" && !isWaiting(c)) return false;
  if (f.q.trim()) {
    // the server's full-text search over every message (searchHits), plus who the visitor is
    const hay = `${JSON.stringify(c.visitor ?? {})} ${c.lastMessagePreview ?? ""} ${c.id}`.toLowerCase();
    if (!searchHits.value.ids.has(c.id) && !hay.includes(f.q.trim().toLowerCase())) return false;
  }
  return true;
}

/**
 * Full-text search (GET /api/conversations?q=): the ids of conversations with a message holding
 * every word, for the current query; their rows are merged into `rows` so live updates apply.
 */
export const searchHits = signal<{ q: string; ids: Set<string>; loading: boolean; nextCursor: string | null }>({
  q: "",
  ids: new Set(),
  loading: false,
  nextCursor: null,
});
let searchTimer: ReturnType<typeof setTimeout> | undefined;
let searchAbort: AbortController | null = null;
/** How long typing pauses before the search runs. */
export const SEARCH_DEBOUNCE_MS = 250;

function searchSoon() {
  clearTimeout(searchTimer);
  searchAbort?.abort();
  const q = filter.value.q.trim();
  if (!q) {
    searchHits.value = { q: "", ids: new Set(), loading: false, nextCursor: null };
    return;
  }
  searchHits.value = { ...searchHits.value, q, loading: true };
  searchTimer = setTimeout(() => void runSearch(false), SEARCH_DEBOUNCE_MS);
}

export async function runSearch(more: boolean) {
  const q = filter.value.q.trim();
  if (!q) return;
  const ctrl = (searchAbort = new AbortController());
  const cursor = more ? (searchHits.value.nextCursor ?? undefined) : undefined;
  searchHits.value = { ...searchHits.value, loading: true };
  try {
    const page = await api.conversations.list({ ...query(filter.value, cursor), q }, ctrl.signal);
    batch(() => {
      const next = new Map(rows.value);
      for (const c of page.data) next.set(c.id, { ...next.get(c.id), ...c });
      rows.value = next;
      const ids = new Set(more ? searchHits.value.ids : []);
      for (const c of page.data) ids.add(c.id);
      searchHits.value = { q, ids, loading: false, nextCursor: page.nextCursor ?? null };
      error.value = null;
    });
  } catch (err) {
    if (err instanceof DOMException) return;
    searchHits.value = { ...searchHits.value, loading: false };
    error.value = errorText(err);
  }
}

const stamp = (c: Conversation) => Date.parse(c.updatedAt ?? c.lastMessageAt ?? c.createdAt) || 0;

/** Rows for the list: filtered, waiting ones first, then most recent activity. */
export const visible = computed(() => {
  const me = session.value?.user.id;
  const f = filter.value;
  return [...rows.value.values()]
    .filter((c) => matches(c, f, me))
    .sort((a, b) => Number(isWaiting(b)) - Number(isWaiting(a)) || stamp(b) - stamp(a));
});
export const waitingCount = computed(() => [...rows.value.values()].filter(isWaiting).length);

function query(f: InboxFilter, cursor?: string) {
  const me = session.value?.user.id;
  return {
    // "open" covers open and waiting, so it is filtered here rather than by the server
    status: f.view === "waiting" ? "waiting" : f.status === "closed" ? "closed" : undefined,
    botId: f.botId || undefined,
    assignee: f.view === "mine" ? me : f.view === "unassigned" ? "none" : undefined,
    cursor,
    limit: "50",
  };
}

let listAbort: AbortController | null = null;
export async function load(more = false) {
  listAbort?.abort();
  const ctrl = (listAbort = new AbortController());
  loading.value = true;
  try {
    const page = await api.conversations.list(
      query(filter.value, more ? (nextCursor.value ?? undefined) : undefined),
      ctrl.signal,
    );
    batch(() => {
      const next = more ? new Map(rows.value) : new Map<string, Conversation>();
      // keep rows we hold that the server page did not cover (other filters), so live state is not lost
      if (!more) for (const [id, c] of rows.value) next.set(id, c);
      for (const c of page.data) next.set(c.id, { ...next.get(c.id), ...c });
      rows.value = next;
      nextCursor.value = page.nextCursor ?? null;
      error.value = null;
    });
  } catch (err) {
    if (!(err instanceof DOMException)) error.value = errorText(err);
  } finally {
    if (listAbort === ctrl) loading.value = false;
  }
}

export function setFilter(patch: Partial<InboxFilter>) {
  filter.value = { ...filter.value, ...patch };
  if (Object.keys(patch).some((k) => k !== "q")) void load();
  searchSoon();
}

/**
 * Every conversation waiting for a person, whatever page the list is on: the count in the tab
 * title, the favicon and the nav comes from these rows, kept current by the hub's events.
 */
export async function loadWaiting() {
  try {
    const page = await api.conversations.list({ status: "waiting", limit: "200" });
    const next = new Map(rows.value);
    for (const c of page.data) next.set(c.id, { ...next.get(c.id), ...c });
    rows.value = next;
  } catch {}
}

/**
 * The list comes from D1, which the room copies to about a second after the fact (FLUSH_DELAY_MS in
 * workers/rooms/room-alarm.ts): a live event can name a conversation the list does not hold yet.
 * Re-list until every such conversation is there, waiting longer each time, then give up (the
 * next event or list brings it).
 */
const RELIST_DELAYS_MS = [300, 1_500, 4_000];
const missing = new Set<string>();
let relist: ReturnType<typeof setTimeout> | undefined;
function relistSoon(id?: string, attempt = 0) {
  if (id) missing.add(id);
  clearTimeout(relist);
  relist = setTimeout(() => {
    void load().then(() => {
      for (const m of missing) if (rows.value.has(m)) missing.delete(m);
      if (missing.size === 0) return;
      if (attempt + 1 < RELIST_DELAYS_MS.length) relistSoon(undefined, attempt + 1);
      else missing.clear();
    });
  }, RELIST_DELAYS_MS[attempt]);
}

/**
 * Applies one TenantHub event (workers/rooms/tenant-hub.ts InboxEvent) to the rows; returns false
 * when the event concerns a conversation we do not hold and cannot build, so the caller re-lists.
 */
export function applyEvent(f: Record<string, unknown>): boolean {
  const id = str(f.conversationId);
  if (!id) return true;
  const at = str(f.at);
  const prev = rows.value.get(id);
  let next: Conversation | undefined;
  switch (f.type) {
    case "conversation.created":
      next = {
        ...prev,
        id,
        botId: str(f.botId) ?? prev?.botId ?? "",
        channel: str(f.channel),
        status: str(f.status) ?? "open",
        mode: (str(f.mode) ?? "ai") as Conversation["mode"],
        visitor: (f.visitor as Conversation["visitor"]) ?? {},
        createdAt: prev?.createdAt ?? at ?? new Date().toISOString(),
        updatedAt: at,
      };
      break;
    case "conversation.visitor":
      if (!prev) return false;
      next = { ...prev, visitor: { ...prev.visitor, ...(f.visitor as Conversation["visitor"]) }, updatedAt: at };
      break;
    case "conversation.message":
      if (!prev) return false;
      next = {
        ...prev,
        lastMessagePreview: str(f.preview) ?? prev.lastMessagePreview,
        lastMessageAt: at ?? prev.lastMessageAt,
        messageCount: num(f.messageCount) ?? prev.messageCount,
        updatedAt: at,
      };
      break;
    case "conversation.mode":
      if (!prev) return false;
      next = {
        ...prev,
        mode: (str(f.mode) ?? prev.mode) as Conversation["mode"],
        status: str(f.status) ?? prev.status,
        updatedAt: at,
      };
      break;
    case "conversation.assigned": {
      if (!prev) return false;
      const a = f.assignee as { userId?: unknown } | null;
      next = { ...prev, assigneeId: a && typeof a.userId === "string" ? a.userId : null, updatedAt: at };
      break;
    }
    case "conversation.closed":
      if (!prev) return false;
      next = { ...prev, mode: "closed", status: "closed", closedAt: at, updatedAt: at };
      break;
    default:
      return true;
  }
  const map = new Map(rows.value);
  map.set(id, next);
  rows.value = map;
  return true;
}

/** How often the list is re-fetched while the inbox socket is not open. */
export const FALLBACK_POLL_MS = 20_000;
let sock: LiveSocket | null = null;
/** The hub's per-tenant event seq we have applied, for `hello` catch-up after a reconnect. */
let hubSeq = 0;
/** Operators with the inbox open right now. */
export const online = signal<{ userId: string; name: string }[]>([]);
let stopState: (() => void) | null = null;
const hubListeners = new Set<(f: Record<string, unknown>) => void>();
/** Every hub event as it arrives (e.g. `ticket.changed` for the ticket list); returns an unsubscribe. */
export function onHubEvent(fn: (f: Record<string, unknown>) => void): () => void {
  hubListeners.add(fn);
  return () => hubListeners.delete(fn);
}

let users = 0;
/** A second list this long after the socket opens (see relistSoon). */
const SETTLE_MS = 1_500;
let settle: ReturnType<typeof setTimeout> | undefined;
/**
 * The first lists (the page and every waiting conversation) have answered: what waits from then on
 * is news (alerts.ts sounds for it); what waited before is only counted.
 */
export const primed = signal(false);
/**
 * Connects the hub feed (shared: the shell keeps it for alerts while the inbox screen uses it too);
 * returns a disconnect function, and the socket closes when its last user disconnects.
 */
export function connectInbox(): () => void {
  users++;
  if (!sock) {
    primed.value = false;
    void Promise.allSettled([load(), loadWaiting()]).then(() => (primed.value = true));
    sock = openSocket("/api/inbox/ws", {
      // catch up on events missed while disconnected; re-list too, since the hub keeps only the
      // latest events and anything between the first list and the socket opening would be lost
      onOpen: (send) => {
        if (hubSeq > 0) send({ type: "hello", lastSeq: hubSeq });
        void load();
        void loadWaiting();
        // what happened just before the socket opened may not be in D1 yet: list once more after
        // the rooms' copy delay
        clearTimeout(settle);
        settle = setTimeout(() => void Promise.allSettled([load(), loadWaiting()]), SETTLE_MS);
      },
      onFrame: (f) => {
        const seq = num(f.seq);
        if (f.type === "ready") {
          if (seq !== undefined && hubSeq === 0) hubSeq = seq;
          if (Array.isArray(f.operators)) online.value = f.operators as { userId: string; name: string }[];
          return;
        }
        if (f.type === "presence") {
          if (Array.isArray(f.operators)) online.value = f.operators as { userId: string; name: string }[];
          return;
        }
        if (seq !== undefined && str(f.conversationId)) hubSeq = Math.max(hubSeq, seq);
        for (const fn of hubListeners) fn(f);
        if (!applyEvent(f)) relistSoon(str(f.conversationId));
      },
    });
    const s = sock;
    const stopLive = effect(() => void (live.value = s.state.value));
    // while the live feed is down (server restart, proxy without WebSockets) the list still moves
    const poll = setInterval(() => live.value !== "open" && void load(), FALLBACK_POLL_MS);
    stopState = () => {
      stopLive();
      clearInterval(poll);
    };
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--users > 0) return;
    stopState?.();
    clearTimeout(settle);
    clearTimeout(relist);
    missing.clear();
    sock?.close();
    sock = null;
    primed.value = false;
    live.value = "closed";
  };
}

export async function loadBots() {
  try {
    bots.value = (await api.bots.list()).data;
  } catch {}
}
