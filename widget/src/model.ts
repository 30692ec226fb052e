import { batch, signal, type Signal } from "@preact/signals";
import type { Attachment, BotInfo, Mode, MsgFrame, Role, ServerFrame, Source } from "./protocol";

/** One bubble on screen. Hot fields are signals so a streamed delta re-renders one text node. */
export type Item = {
  /** Stable render key: the client id for our own messages, else the server id. */
  k: string;
  id?: string;
  cid?: string;
  seq: number;
  role: Role;
  text: Signal<string>;
  /** False while an AI answer is still streaming (rendered as plain text until final). */
  done: Signal<boolean>;
  /** True until the server acknowledges our message. */
  pending: Signal<boolean>;
  sources: Signal<Source[]>;
  attachments?: Attachment[];
  /** Upload progress 0..1 for a local attachment bubble, -1 when it failed, -2: refused, not sent. */
  progress?: Signal<number>;
};

export type Model = ReturnType<typeof createModel>;
export type Listener = (m: { id?: string; seq: number; role: Role; text: string }) => void;

/** Seconds a typing indicator lasts without a fresh `typing` frame. */
const TYPING_MS = 6_000;

const str = (v: unknown): v is string => typeof v === "string";

/**
 * Conversation state as signals plus the reducer for server frames. It knows nothing of sockets or
 * DOM, so it dedupes everything itself: by `cid` for our own messages, by `id` for everything else,
 * whatever order a replay after a reconnect brings them in.
 */
export function createModel() {
  const items = signal<Item[]>([]);
  const open = signal(false);
  const unread = signal(0);
  const mode = signal<Mode>("ai");
  /** From a hand-off's mode frame: someone who can take it is online (undefined: not told). */
  const agents = signal<boolean | undefined>(undefined);
  const typing = signal<Role | null>(null);
  const status = signal<"connecting" | "online" | "offline">("connecting");
  const bot = signal<BotInfo | null>(null);
  const byKey = new Map<string, Item>();
  const listeners: Listener[] = [];
  let lastSeq = 0;
  /** Messages up to this seq were history when the page loaded: not unread, not events. */
  let historySeq = -1;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;

  const setTyping = (r: Role | null) => {
    clearTimeout(typingTimer);
    typing.value = r;
    if (r) typingTimer = setTimeout(() => (typing.value = null), TYPING_MS);
  };

  function add(it: Item) {
    if (it.id) byKey.set(it.id, it);
    if (it.cid) byKey.set("c:" + it.cid, it);
    const list = items.value.slice();
    // Acknowledged items keep sequence order; pending ones (seq Infinity) stay last.
    let i = list.length;
    while (i > 0 && list[i - 1]!.seq > it.seq) i--;
    list.splice(i, 0, it);
    items.value = list;
  }

  const make = (p: Partial<Item> & Pick<Item, "k" | "role">, text: string, done = true): Item => ({
    seq: Infinity,
    ...p,
    text: signal(text),
    done: signal(done),
    pending: signal(false),
    sources: signal([]),
  });

  function onMsg(f: MsgFrame) {
    if (!str(f.id) || typeof f.seq !== "number" || !str(f.text)) return;
    lastSeq = Math.max(lastSeq, f.seq);
    const known = byKey.get(f.id) ?? (f.cid ? byKey.get("c:" + f.cid) : undefined);
    const sources = Array.isArray(f.sources) ? f.sources.filter((s) => s && str(s.title)) : [];
    if (known) {
      const fresh = !known.done.peek() || known.pending.peek();
      batch(() => {
        known.text.value = f.text;
        known.done.value = true;
        known.pending.value = false;
        known.sources.value = sources;
      });
      if (known.seq !== f.seq) {
        known.id = f.id;
        byKey.set(f.id, known);
        known.seq = f.seq;
        items.value = items.value.filter((x) => x !== known);
        add(known);
      }
      if (fresh) emit(known);
      return;
    }
    const it = make({ k: f.id, id: f.id, cid: f.cid, seq: f.seq, role: f.role, attachments: f.attachments }, f.text);
    it.sources.value = sources;
    add(it);
    if (f.role !== "visitor") setTyping(null);
    emit(it);
  }

  function emit(it: Item) {
    if (it.seq <= historySeq) return;
    if (it.role !== "visitor" && !open.value) unread.value++;
    const m = { id: it.id, seq: it.seq, role: it.role, text: it.text.peek() };
    for (const fn of listeners) fn(m);
  }

  function apply(f: ServerFrame) {
    switch (f.type) {
      case "ready":
        if (historySeq < 0) historySeq = f.seq;
        mode.value = f.mode;
        return;
      case "msg":
        return onMsg(f);
      case "delta": {
        if (!str(f.id) || !str(f.text)) return;
        const known = byKey.get(f.id);
        setTyping(null);
        if (known) {
          if (!known.done.peek()) known.text.value += f.text;
        } else add(make({ k: f.id, id: f.id, role: "ai" }, f.text, false));
        return;
      }
      case "typing":
        if (f.role !== "visitor") setTyping(f.role);
        return;
      case "mode":
        mode.value = f.mode;
        agents.value = f.agents;
        return;
      case "error": {
        // our message was refused (closed, too long...): mark it, it will not be sent again
        const it = f.cid && byKey.get("c:" + f.cid);
        if (it) {
          it.progress = signal(-2);
          it.pending.value = false;
          setTyping(null);
        }
      }
    }
  }

  return {
    items,
    open,
    unread,
    mode,
    agents,
    typing,
    status,
    bot,
    apply,
    lastSeq: () => lastSeq,
    /** Show our own message at once, before the server acknowledges it. */
    addLocal(cid: string, text: string, attachments?: Attachment[]): Item {
      const it = make({ k: cid, cid, role: "visitor", attachments }, text);
      it.pending.value = true;
      add(it);
      if (mode.peek() === "ai") setTyping("ai");
      return it;
    },
    /** A bubble for a file being uploaded (no message yet). */
    addUpload(k: string, a: Attachment): Item {
      const it = make({ k, role: "visitor", attachments: [a] }, "");
      it.progress = signal(0);
      it.pending.value = true;
      add(it);
      return it;
    },
    remove(it: Item) {
      items.value = items.value.filter((x) => x !== it);
    },
    /** The server started a different conversation (old one gone): forget what we show. */
    reset() {
      batch(() => {
        items.value = [];
        byKey.clear();
        lastSeq = 0;
        historySeq = -1;
        mode.value = "ai";
      });
    },
    on: (fn: Listener) => listeners.push(fn),
  };
}
