// A bare Durable Object echo room for `npm run bench:chat` (see wrangler.toml beside it). It does the
// least a room must do for protocol v1's guarantees, so the bench measures the machine's limit for
// the protocol's shape: one object per conversation, hibernating sockets, every visitor message
// written to the object's SQLite with a gap-free seq before its echo (the acknowledgement), a resend
// with the same cid stored once, replay after `hello`'s lastSeq. No auth, no triage, no AI, no D1.
import { DurableObject } from "cloudflare:workers";

const MAX_TEXT = 4000;

export class EchoRoom extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, cid TEXT UNIQUE, text TEXT NOT NULL, at INTEGER NOT NULL)",
    );
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
  }

  async fetch(request) {
    const id = new URL(request.url).pathname.split("/").pop() ?? "";
    this.sql.exec("INSERT OR IGNORE INTO meta (k, v) VALUES ('id', ?)", id);
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  meta(k, fallback) {
    const row = this.sql.exec("SELECT v FROM meta WHERE k = ?", k).toArray()[0];
    return row ? String(row.v) : fallback;
  }

  lastSeq() {
    return Number(this.sql.exec("SELECT COALESCE(MAX(seq), 0) AS s FROM messages").one().s);
  }

  frameOf(row) {
    return JSON.stringify({
      type: "msg",
      seq: row.seq,
      id: `msg_${row.seq}`,
      cid: row.cid,
      role: "visitor",
      text: row.text,
      at: new Date(row.at).toISOString(),
    });
  }

  async webSocketMessage(ws, data) {
    let f;
    try {
      f = JSON.parse(String(data));
    } catch {
      return ws.send(JSON.stringify({ type: "error", code: "BAD_FRAME", message: "not JSON" }));
    }
    if (f?.type === "hello") {
      const mode = this.meta("mode", "ai");
      ws.send(JSON.stringify({ type: "ready", conversationId: this.meta("id", ""), seq: this.lastSeq(), mode }));
      const after = Number.isInteger(f.lastSeq) ? f.lastSeq : 0;
      for (const row of this.sql.exec("SELECT * FROM messages WHERE seq > ? ORDER BY seq", after))
        ws.send(this.frameOf(row));
      return;
    }
    if (f?.type === "msg" && typeof f.cid === "string" && typeof f.text === "string" && f.text.length <= MAX_TEXT) {
      const seen = this.sql.exec("SELECT * FROM messages WHERE cid = ?", f.cid).toArray()[0];
      if (seen) return ws.send(this.frameOf(seen));
      const row = { seq: this.lastSeq() + 1, cid: f.cid, text: f.text, at: Date.now() };
      this.sql.exec(
        "INSERT INTO messages (seq, cid, text, at) VALUES (?, ?, ?, ?)",
        row.seq,
        row.cid,
        row.text,
        row.at,
      );
      const frame = this.frameOf(row);
      for (const s of this.ctx.getWebSockets()) s.send(frame);
      return;
    }
    if (f?.type === "human") {
      this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('mode', 'human')");
      const frame = JSON.stringify({ type: "mode", mode: "human", reason: "asked_for_human" });
      for (const s of this.ctx.getWebSockets()) s.send(frame);
      return;
    }
    if (f?.type === "ping") return ws.send(JSON.stringify({ type: "pong" }));
    ws.send(JSON.stringify({ type: "error", code: "BAD_FRAME", message: "unknown or invalid frame" }));
  }

  webSocketClose(ws, code) {
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {}
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname === "/api/widget/sessions" && request.method === "POST") {
      const conversationId = `conv_${crypto.randomUUID().replaceAll("-", "")}`;
      const wsUrl = `ws://${url.host}/ws/${conversationId}`;
      return Response.json({ token: "echo", conversationId, wsUrl, bot: {} }, { status: 201 });
    }
    const m = url.pathname.match(/^\/ws\/(conv_[0-9a-f]+)$/);
    if (m && request.headers.get("upgrade") === "websocket")
      return env.ROOM.get(env.ROOM.idFromName(m[1])).fetch(request);
    return new Response("not found", { status: 404 });
  },
};
