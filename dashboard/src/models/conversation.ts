/**
 * One open conversation, joined as an operator over /api/conversations/:id/ws (protocol v1).
 * History comes from REST, then `hello` with the last seq replays anything newer. Streamed AI
 * answers arrive as `delta` frames into a per-message signal that the view passes straight to JSX,
 * so each token updates one text node; the final `msg` with the same id replaces it.
 * Replies carry a `cid` and are resent with the same `cid` after a reconnect until echoed.
 * Triage (category, live ticket, summary) and AI drafts come from REST beside the socket.
 */
import { batch, signal, type Signal } from "@preact/signals";
import {
  api,
  ApiError,
  triageApi,
  type AnswerSource,
  type Attachment,
  type Conversation,
  type ConversationMode,
  type ConversationTriage,
  type Message,
  type MessageRole,
  type Receipt,
  type ReplyDraft,
  type WhatsAppConversation,
  type Ticket,
} from "../api";
import { markSeen, onHubEvent } from "./inbox";
import { openSocket, type LiveSocket } from "./socket";
import { socketErrorText } from "../ui/words";
import { errorText, newCid, num, str } from "./util";

export type Viewer = { id: string; name: string; role?: string };
export type Assignee = { userId: string; name: string } | null;
export type Draft = { id: string; text: Signal<string> };

export type ConversationModel = ReturnType<typeof openConversation>;
export type TriageModel = ReturnType<typeof openConversationTriage>;

/**
 * The conversation's category (operators correct it, which teaches the classifier), its live
 * ticket (open or pending) and a hand-off summary. `ticket` is undefined until the first look-up.
 */
export function openConversationTriage(id: string) {
  const triage = signal<ConversationTriage | null>(null);
  const ticket = signal<Ticket | null | undefined>(undefined);
  const summary = signal<string | null>(null);
  const busy = signal<"category" | "ticket" | "summary" | null>(null);
  const error = signal<string | null>(null);

  const refresh = async () => {
    const [t, page] = await Promise.all([
      triageApi.conversation.triage(id).catch(() => null),
      triageApi.tickets.list({ conversationId: id, status: "open,pending", limit: "1" }).catch(() => null),
    ]);
    batch(() => {
      if (t) triage.value = t;
      if (page) ticket.value = page.data[0] ?? null;
    });
  };
  const run = async (what: "category" | "ticket" | "summary", fn: () => Promise<void>) => {
    batch(() => {
      busy.value = what;
      error.value = null;
    });
    try {
      await fn();
    } catch (err) {
      error.value = errorText(err);
      // someone else opened a ticket meanwhile: show theirs
      if (what === "ticket" && err instanceof ApiError && err.status === 409) void refresh();
    } finally {
      busy.value = null;
    }
  };
  void refresh();

  return {
    triage,
    ticket,
    summary,
    busy,
    error,
    refresh,
    /** Shows the new category at once and reverts if the server refuses (e.g. no visitor text yet). */
    setCategory(categoryId: string) {
      const prev = triage.value;
      if (prev) triage.value = { ...prev, categoryId, categorySource: "operator", categoryConfidence: null };
      return run("category", async () => {
        try {
          const r = await triageApi.conversation.setCategory(id, categoryId);
          if (prev)
            triage.value = { ...prev, categoryId: r.categoryId, categorySource: r.source, categoryConfidence: null };
          else await refresh();
        } catch (err) {
          triage.value = prev;
          throw err;
        }
      });
    },
    openTicket: () =>
      run("ticket", async () => {
        ticket.value = await triageApi.tickets.create({ conversationId: id });
      }),
    summarise: () =>
      run("summary", async () => {
        summary.value = (await triageApi.conversation.summary(id)).summary;
      }),
    hideSummary: () => void (summary.value = null),
  };
}

function toMessage(f: Record<string, unknown>): Message | null {
  const seq = num(f.seq);
  const id = str(f.id);
  const text = str(f.text);
  if (seq === undefined || !id || text === undefined) return null;
  const role = (str(f.role) ?? "system") as MessageRole;
  return {
    seq,
    id,
    cid: str(f.cid),
    role: f.private === true || f.internal === true ? "note" : role,
    text,
    at: str(f.at) ?? new Date().toISOString(),
    sources: Array.isArray(f.sources) ? (f.sources as AnswerSource[]) : undefined,
    authorName: str(f.name) ?? str((f.author as { name?: unknown } | null | undefined)?.name) ?? null,
    ...(Array.isArray(f.attachments) && f.attachments.length ? { attachments: toAttachments(f.attachments) } : {}),
  };
}

function toAttachments(list: unknown[]): Attachment[] {
  return list.flatMap((x): Attachment[] => {
    const o = (x ?? {}) as Record<string, unknown>;
    const id = str(o.id);
    return id ? [{ id, name: str(o.name) ?? id, type: str(o.type) ?? "", size: num(o.size) ?? 0 }] : [];
  });
}

const RECEIPT_RANK: Record<Receipt, number> = { sent: 0, failed: 1, delivered: 2, read: 3 };
/** Receipts only move forward (the server's rule too): read stays read. */
function furthest(a: Receipt | undefined, b: Receipt): Receipt {
  return a && RECEIPT_RANK[a] >= RECEIPT_RANK[b] ? a : b;
}

function toAssignee(x: unknown): Assignee {
  if (!x || typeof x !== "object") return null;
  const o = x as Record<string, unknown>;
  return typeof o.userId === "string" ? { userId: o.userId, name: str(o.name) ?? o.userId } : null;
}

function toViewers(x: unknown): Viewer[] {
  if (!Array.isArray(x)) return [];
  return x.flatMap((v): Viewer[] => {
    if (typeof v === "string") return [{ id: v, name: v }];
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      const id = str(o.userId) ?? str(o.id) ?? "";
      return [{ id, name: str(o.name) ?? str(o.email) ?? id, role: str(o.role) }];
    }
    return [];
  });
}

export function openConversation(id: string, meId: string | undefined) {
  const conv = signal<Conversation | null>(null);
  const messages = signal<Message[]>([]);
  const drafts = signal<Draft[]>([]);
  const mode = signal<ConversationMode>("ai");
  const viewers = signal<Viewer[]>([]);
  const assignee = signal<Assignee>(null);
  const status = signal<string>("open");
  const reason = signal<string | null>(null);
  const visitorOnline = signal(false);
  const typing = signal<string | null>(null);
  const error = signal<string | null>(null);
  const notice = signal<string | null>(null);
  const loaded = signal(false);
  const drafting = signal(false);
  const triage = openConversationTriage(id);
  /** WhatsApp conversations only: the 24-hour window and the receipts of our messages. */
  const whatsapp = signal<WhatsAppConversation | null>(null);
  const loadWhatsApp = async () => {
    if (conv.value?.channel !== "whatsapp") return;
    try {
      const w = await api.channels.whatsappConversation(id);
      // a live receipt may have arrived meanwhile: keep the furthest of both
      const prev = whatsapp.value?.receipts ?? {};
      const receipts = { ...w.receipts };
      for (const [mid, st] of Object.entries(prev)) receipts[mid] = furthest(receipts[mid], st);
      whatsapp.value = { ...w, receipts };
    } catch {
      /* not a WhatsApp conversation after all, or offline: the composer stays as for chat */
    }
  };
  const pending = new Map<string, Record<string, unknown>>();
  let lastSeq = 0;
  /** Set once the room told us its mode (ready/mode frames win over the REST copy). */
  let liveSeen = false;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  // an escalation opens a ticket right after the hand-off: the tenant hub announces it (ticket.changed)
  const offHub = onHubEvent((f) => {
    if (f.type === "ticket.changed" && f.conversationId === id) void triage.refresh();
    if (f.type === "message.receipt" && f.conversationId === id) {
      const mid = str(f.messageId);
      const st = str(f.status) as Receipt | undefined;
      const w = whatsapp.value;
      if (mid && st && w) whatsapp.value = { ...w, receipts: { ...w.receipts, [mid]: furthest(w.receipts[mid], st) } };
    }
  });

  const addMessage = (m: Message) => {
    if (m.cid) pending.delete(m.cid);
    const list = messages.value;
    if (list.some((x) => x.seq === m.seq && x.id === m.id)) return;
    const next = list.filter((x) => x.id !== m.id);
    next.push(m);
    next.sort((a, b) => a.seq - b.seq);
    batch(() => {
      messages.value = next;
      drafts.value = drafts.value.filter((d) => d.id !== m.id);
    });
    lastSeq = Math.max(lastSeq, m.seq);
    if (!document.hidden) markSeen(id, lastSeq);
    // a contact's new message reopens the 24-hour window; our own message gets its first receipt
    if (loaded.value && (m.role === "visitor" || m.role === "agent" || m.role === "ai")) void loadWhatsApp();
  };

  const onFrame = (f: Record<string, unknown>) => {
    switch (f.type) {
      case "ready":
      case "mode":
        liveSeen = true;
        batch(() => {
          if (typeof f.mode === "string") mode.value = f.mode as ConversationMode;
          if (typeof f.status === "string") status.value = f.status;
          if ("assignee" in f) assignee.value = toAssignee(f.assignee);
          if ("reason" in f) reason.value = str(f.reason) ?? null;
          if (conv.value)
            conv.value = {
              ...conv.value,
              mode: mode.value,
              status: status.value,
              assigneeId: assignee.value?.userId ?? null,
            };
        });
        return;
      case "msg":
      case "note": {
        const m = toMessage(f.type === "note" ? { ...f, private: true } : f);
        if (m) addMessage(m);
        return;
      }
      case "delta": {
        const did = str(f.id);
        const piece = str(f.text) ?? "";
        if (!did || messages.value.some((m) => m.id === did)) return;
        const d = drafts.value.find((x) => x.id === did);
        if (d) d.text.value += piece;
        else drafts.value = [...drafts.value, { id: did, text: signal(piece) }];
        typing.value = null;
        return;
      }
      case "typing": {
        const who = str(f.role) ?? "someone";
        if (who === "agent" && str(f.userId) === meId) return;
        typing.value = who;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => (typing.value = null), 4000);
        return;
      }
      case "presence":
        viewers.value = toViewers(f.operators).filter((v) => v.id !== meId);
        visitorOnline.value = f.visitor === true;
        return;
      case "error":
        error.value = socketErrorText(str(f.code), str(f.message));
        return;
    }
  };

  const sock: LiveSocket = openSocket(`/api/conversations/${encodeURIComponent(id)}/ws`, {
    onOpen: (send) => {
      send({ type: "hello", lastSeq });
      for (const frame of pending.values()) send(frame);
    },
    onFrame,
  });

  (async () => {
    try {
      const [c, page] = await Promise.all([
        api.conversations.get(id),
        api.conversations.messages(id).catch(() => ({ data: [] as Message[] })),
      ]);
      batch(() => {
        // the socket's `ready` is fresher than the D1 copy: only fill what it has not set
        if (!liveSeen) {
          mode.value = c.mode;
          status.value = c.status ?? "open";
        }
        conv.value = {
          ...c,
          mode: mode.value,
          status: status.value,
          assigneeId: liveSeen ? (assignee.value?.userId ?? null) : (c.assigneeId ?? null),
        };
        for (const raw of page.data as unknown as Record<string, unknown>[]) {
          const m = toMessage(raw);
          if (m) addMessage(m);
        }
      });
      await loadWhatsApp();
    } catch (err) {
      error.value = errorText(err);
    } finally {
      loaded.value = true;
    }
  })();

  const command = (frame: Record<string, unknown>, okNotice?: string) => {
    error.value = null;
    if (!sock.send(frame)) {
      error.value = "not connected; trying again shortly";
      return false;
    }
    if (okNotice) notice.value = okNotice;
    return true;
  };

  return {
    id,
    conv,
    messages,
    drafts,
    mode,
    viewers,
    assignee,
    status,
    reason,
    visitorOnline,
    typing,
    error,
    notice,
    loaded,
    drafting,
    triage,
    whatsapp,
    refreshWhatsApp: loadWhatsApp,
    state: sock.state,
    /** Sends a visible reply; it shows once the server echoes it with our cid. */
    reply(text: string) {
      const t = text.trim();
      if (!t) return false;
      const cid = newCid();
      const frame = { type: "msg", cid, text: t };
      pending.set(cid, frame);
      error.value = null;
      sock.send(frame);
      return true;
    },
    note(text: string) {
      const t = text.trim();
      return t ? command({ type: "note", cid: newCid(), text: t }) : false;
    },
    takeOver: () => command({ type: "takeover" }),
    release: () => command({ type: "release" }),
    close: () => command({ type: "close" }),
    typingPing: () => sock.send({ type: "typing" }),
    pendingCount: () => pending.size,
    /** An AI draft answering the visitor's latest message, for the operator to edit; null on failure (see `error`). */
    async draftReply(): Promise<ReplyDraft | null> {
      drafting.value = true;
      error.value = null;
      try {
        return await triageApi.conversation.draft(id);
      } catch (err) {
        error.value = `Could not draft a reply: ${errorText(err)}`;
        return null;
      } finally {
        drafting.value = false;
      }
    },
    dispose() {
      clearTimeout(typingTimer);
      offHub();
      sock.close();
    },
  };
}
