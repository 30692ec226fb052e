import type { ClientFrame, ServerFrame, SessionReply } from "./protocol";

/** What survives a reload, per bot key in localStorage: the conversation, proof we own it, and the
 *  messages the server has not acknowledged yet (so a reload mid-drop loses nothing either). */
type Stored = { c?: string; v?: string; o?: Outgoing[]; r?: number };
export type Outgoing = { cid: string; text: string; attachments?: string[] };
export type Status = "connecting" | "online" | "offline";
/** Echo('identify', …): visitor details, plus a server-signed identity (see DESIGN.md security). */
export type Identity = {
  name?: string;
  email?: string;
  locale?: string;
  metadata?: Record<string, string>;
  userId?: string;
  expiresAt?: number;
  hash?: string;
};

export type TransportOptions = {
  /** Origin of the Echo Worker (where widget.js came from), not the host page's. */
  api: string;
  botKey: string;
  /** The highest sequence number the model holds; sent in `hello`. */
  lastSeq(): number;
  onSession(s: SessionReply, resumed: boolean): void;
  onFrame(f: ServerFrame): void;
  onStatus(s: Status): void;
  /** The bot key is wrong or this page's origin is not allowed: give up quietly. */
  onFatal(detail: string): void;
};

export type Transport = ReturnType<typeof createTransport>;

const PING_MS = 20_000;
/** No frame at all for this long means the socket is dead even if the browser did not notice. */
const STALE_MS = 50_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * Owns the session and the socket: POST /api/widget/sessions, WebSocket, `hello` with lastSeq,
 * jittered exponential reconnect, ping keep-alive, and an outbox of unacknowledged messages that is
 * resent with the same `cid` after every (re)join. The server stores a `cid` once, and the model
 * dedupes by id, so a resend never shows twice.
 */
export function createTransport(o: TransportOptions) {
  const key = "echo:" + o.botKey;
  const load = (): Stored => {
    try {
      return JSON.parse(localStorage.getItem(key) || "{}") as Stored;
    } catch {
      return {};
    }
  };
  const stored = load();
  const save = () => {
    try {
      localStorage.setItem(key, JSON.stringify(stored));
    } catch {
      /* storage full or blocked (third-party contexts): resume just won't work */
    }
  };
  const outbox: Outgoing[] = Array.isArray(stored.o) ? stored.o : [];
  let ws: WebSocket | null = null;
  let session: SessionReply | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pinger: ReturnType<typeof setInterval> | undefined;
  let lastFrameAt = 0;
  let stopped = false;
  /** A session call is in flight: `online` and the retry timer must not open a second socket. */
  let busy = false;
  let fatal = false;
  let visitor: Identity = {};

  const status = (s: Status) => o.onStatus(s);

  async function openSession(soft?: boolean): Promise<SessionReply | null> {
    const { userId, expiresAt, hash, ...who } = visitor;
    const body = {
      botKey: o.botKey,
      conversationId: stored.c,
      visitorToken: stored.v,
      visitor: Object.keys(who).length ? who : undefined,
      identity: userId ? { userId, expiresAt, hash } : undefined,
    };
    const r = await fetch(o.api + "/api/widget/sessions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
      const p = (await r.json().catch(() => null)) as { detail?: string } | null;
      const why = `${r.status} ${p?.detail ?? r.statusText}`;
      if (soft) throw new Error(why);
      // A resume the server no longer accepts (conversation gone): start a new one instead.
      if (r.status === 404 && stored.c) {
        stored.c = stored.v = undefined;
        return openSession();
      }
      fatal = true;
      o.onFatal(why);
      return null;
    }
    if (!r.ok) throw new Error("session " + r.status);
    const s = (await r.json()) as SessionReply;
    const resumed = s.conversationId === stored.c;
    if (!resumed) {
      stored.r = 0;
      outbox.length = 0;
    }
    stored.c = s.conversationId;
    if (s.visitorToken) stored.v = s.visitorToken;
    stored.o = outbox;
    save();
    session = s;
    o.onSession(s, resumed);
    return s;
  }

  /** Every (re)connect asks for a fresh session: tokens are short-lived and a reconnect may come
   *  hours later. The stored conversation id makes it resume, not start over. */
  async function connect() {
    clearTimeout(timer);
    if (stopped || fatal || ws || busy) return;
    busy = true;
    status("connecting");
    try {
      const s = await openSession();
      if (!s || stopped) return;
      const url = new URL(s.wsUrl, o.api);
      url.protocol = url.protocol.replace("http", "ws");
      if (!url.searchParams.has("token")) url.searchParams.set("token", s.token);
      const sock = new WebSocket(url.href);
      ws = sock;
      sock.onopen = () => {
        lastFrameAt = Date.now();
        raw({ type: "hello", lastSeq: o.lastSeq() });
      };
      sock.onmessage = (e) => {
        lastFrameAt = Date.now();
        let f: ServerFrame;
        try {
          f = JSON.parse(String(e.data)) as ServerFrame;
        } catch {
          return;
        }
        if (!f || typeof f.type !== "string") return;
        if (f.type === "ready") {
          attempt = 0;
          status("online");
          o.onFrame(f);
          for (const m of outbox) raw({ type: "msg", ...m });
          return;
        }
        if (f.type === "msg" && f.cid) ack(f.cid);
        // a refused message is never resent, except a rate-limited one, a little later
        if (f.type === "error" && f.cid) {
          const m = outbox.find((x) => x.cid === f.cid);
          if (f.code !== "RATE_LIMITED") ack(f.cid);
          else if (m) return void setTimeout(() => raw({ type: "msg", ...m }), 3000);
        }
        o.onFrame(f);
      };
      sock.onclose = () => drop(sock);
      sock.onerror = () => drop(sock);
    } catch {
      retry();
    } finally {
      busy = false;
    }
  }

  function drop(sock: WebSocket) {
    if (ws !== sock) return;
    ws = null;
    sock.onclose = sock.onerror = sock.onmessage = null;
    try {
      sock.close();
    } catch {
      /* already closing */
    }
    retry();
  }

  function retry() {
    if (stopped || fatal) return;
    status("offline");
    // full jitter keeps a crowd of widgets from reconnecting in lock-step after an outage
    const cap = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt++);
    clearTimeout(timer);
    timer = setTimeout(connect, cap / 2 + Math.random() * (cap / 2));
  }

  function ack(cid: string) {
    const i = outbox.findIndex((m) => m.cid === cid);
    if (i >= 0) {
      outbox.splice(i, 1);
      save();
    }
  }

  function raw(f: ClientFrame): boolean {
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(f));
    return true;
  }

  const online = () => {
    attempt = 0;
    if (!ws) connect();
  };
  // The browser fires `offline` when the network goes; an open socket may linger for minutes
  // before it notices, so drop it now and let the outbox hold what the visitor types meanwhile.
  const offline = () => ws && drop(ws);
  addEventListener("online", online);
  addEventListener("offline", offline);
  pinger = setInterval(() => {
    if (!ws || ws.readyState !== 1) return;
    if (Date.now() - lastFrameAt > STALE_MS) drop(ws);
    else raw({ type: "ping" });
  }, PING_MS);

  return {
    start: connect,
    /** Queue a visitor message; it is sent now if the socket is up and again after each rejoin
     *  until the server echoes its cid. */
    sendMessage(m: Outgoing) {
      outbox.push(m);
      stored.o = outbox;
      save();
      raw({ type: "msg", ...m });
    },
    /** Fire-and-forget presence and control frames; false when offline. */
    send: raw,
    get session() {
      return session;
    },
    get outbox(): readonly Outgoing[] {
      return outbox;
    },
    /** Whether the visitor already rated this conversation (kept across reloads). */
    rated: () => stored.r === 1,
    markRated() {
      stored.r = 1;
      save();
    },
    /** Update who the visitor is (Echo('identify'), email capture). Before the first session it
     *  rides along with it; later a new session call carries it. A refusal keeps the old details. */
    async identify(who: Identity) {
      const before = visitor;
      visitor = { ...visitor, ...who };
      try {
        if (session) await openSession(true);
      } catch (e) {
        visitor = before;
        throw e;
      }
    },
    /** Leave this conversation (it was closed) and start a fresh one. */
    restart() {
      stored.c = stored.v = undefined;
      stored.r = 0;
      outbox.length = 0;
      save();
      const old = ws;
      ws = null;
      if (old) {
        old.onclose = old.onerror = old.onmessage = null;
        old.close();
      }
      attempt = 0;
      void connect();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(pinger);
      removeEventListener("online", online);
      removeEventListener("offline", offline);
      if (ws) {
        ws.onclose = null;
        ws.close();
        ws = null;
      }
    },
  };
}
