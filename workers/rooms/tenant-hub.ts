import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { hubCtx } from "../compose";
import type { Log } from "../lib/log";
import { HubPrincipal, type InboxEvent } from "../contracts/hub";
import type { Operator } from "../contracts/protocol";
import { AuthFrame, MAX_FRAME_BYTES } from "../contracts/protocol";
import { socketExpired, verifyReauth } from "./socket-auth";
import { PRINCIPAL_HEADER, roomName, type AnyNamespace } from "./room-api";

export type { ConversationEvent, InboxEvent, ReceiptEvent, TicketEvent } from "../contracts/hub";
export { HubPrincipal } from "../contracts/hub";

/** What a principal may still do: nothing (`revoked`), or act or only watch in conversations. */
import type { Standing } from "../contracts/hub";
export type { Standing };

/** Events kept for `hello {lastSeq}` catch-up after a dropped socket. */
const KEEP_EVENTS = 500;

const HubFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("hello"), lastSeq: z.number().int().min(0) }).strict(),
  z.object({ type: z.literal("ping") }).strict(),
  AuthFrame,
]);

/** What an inbox socket's attachment holds; `exp` (seconds) bounds its life, extended by `auth` frames. */
type HubSocket = Operator & { exp?: number; canTake?: boolean };

/**
 * One per tenant (`idFromName(tenantId)`): the operators' live inbox feed. Rooms call `publish`
 * over RPC; operators hold a hibernatable WebSocket at GET /api/inbox/ws.
 *
 * Server frames: `{type:"ready", seq, operators}`, every InboxEvent with its `seq`,
 * `{type:"presence", operators}`, `{type:"pong"}`, `{type:"error", code, message}`, `{type:"authed", exp}`.
 * A socket opened with an access token lives until its `exp` unless an `auth` frame extends it: after
 * that its next frame, or the next event fanned out, gets TOKEN_EXPIRED and a 4001 close.
 */
export class TenantHub extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly log: Log;
  private readonly appSecret: () => string;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const hctx = hubCtx(env);
    this.log = hctx.log;
    this.appSecret = hctx.appSecret;
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => this.createTables());
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(`{"type":"ping"}`, `{"type":"pong"}`));
  }

  private createTables() {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)`);
    // conversations where a principal (user or key id) holds an operator socket: told when its authority changes
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS watchers (principal TEXT NOT NULL, conversation_id TEXT NOT NULL, PRIMARY KEY (principal, conversation_id))`,
    );
  }

  /**
   * Workspace purge (issue 18): closes every inbox socket and deletes the hub's whole storage (its
   * events carry visitor names and message previews); the empty tables are recreated so a late call
   * finds an unclaimed hub. Returns the number of events that were held.
   */
  async erase(tenantId: string): Promise<{ events: number }> {
    const owner = this.sql.exec(`SELECT v FROM kv WHERE k = 'tenant'`).toArray()[0];
    if (owner && owner.v !== tenantId) return { events: 0 };
    const events = Number(this.sql.exec(`SELECT count(*) AS n FROM events`).toArray()[0]?.n ?? 0);
    for (const ws of this.ctx.getWebSockets()) ws.close(4001, "workspace deleted");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.owner = undefined;
    this.seqCache = undefined;
    this.createTables();
    return { events };
  }

  /**
   * The owning tenant and the last event seq, read from storage once and then kept in memory (every
   * room's publish asks both; this object is their only writer). `erase` forgets them.
   */
  private owner: string | undefined;
  private seqCache: number | undefined;

  /** The first caller names the tenant; every later call must name the same one (else it gets nothing). */
  private isTenant(tenantId: string): boolean {
    if (this.owner === undefined) {
      const row = this.sql.exec(`SELECT v FROM kv WHERE k = 'tenant'`).toArray()[0];
      if (!row) this.sql.exec(`INSERT INTO kv (k, v) VALUES ('tenant', ?)`, tenantId);
      this.owner = row ? String(row.v) : tenantId;
    }
    if (this.owner !== tenantId) {
      this.log.error("hub: call for another tenant refused", { tenantId });
      return false;
    }
    return true;
  }

  private lastSeq(): number {
    this.seqCache ??= Number(this.sql.exec(`SELECT COALESCE(MAX(seq), 0) AS s FROM events`).toArray()[0]?.s ?? 0);
    return this.seqCache;
  }

  /** Stores and fans out one event; returns its seq (0 when refused). */
  async publish(tenantId: string, event: InboxEvent): Promise<number> {
    if (!this.isTenant(tenantId)) return 0;
    const seq = this.lastSeq() + 1;
    const frame = JSON.stringify({ ...event, seq });
    this.sql.exec(`INSERT INTO events (seq, body) VALUES (?, ?)`, seq, frame);
    this.seqCache = seq;
    if (seq % 50 === 0) this.sql.exec(`DELETE FROM events WHERE seq <= ?`, seq - KEEP_EVENTS);
    const now = Date.now();
    for (const ws of this.ctx.getWebSockets()) {
      if (this.closeIfExpired(ws, now)) continue;
      this.send(ws, frame);
    }
    return seq;
  }

  /** Events after `afterSeq` still kept (for tests and for a dashboard catching up over RPC). */
  async recent(tenantId: string, afterSeq = 0): Promise<(InboxEvent & { seq: number })[]> {
    if (!this.isTenant(tenantId)) return [];
    return this.sql
      .exec(`SELECT body FROM events WHERE seq > ? ORDER BY seq`, afterSeq)
      .toArray()
      .map((r) => JSON.parse(String(r.body)));
  }

  /** A room tells the hub that `principal` opened an operator socket on `conversationId`. */
  async watch(tenantId: string, principal: string, conversationId: string): Promise<void> {
    if (!this.isTenant(tenantId)) return;
    this.sql.exec(
      `INSERT INTO watchers (principal, conversation_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
      principal,
      conversationId,
    );
  }

  /**
   * A member's role changed, a member was removed or a key was revoked: that principal's inbox
   * sockets close at once (4001 revoked or removed, 4003 permission changed: reconnect with a fresh
   * token), and every room where it holds a socket is told, so it refuses its frames without a D1
   * read per frame. Returns how many rooms were told.
   */
  async authorityChanged(tenantId: string, principal: string, standing: Standing): Promise<number> {
    if (!this.isTenant(tenantId)) return 0;
    const revoked = standing === "revoked";
    for (const ws of this.ctx.getWebSockets()) {
      const a = ws.deserializeAttachment() as Operator | null;
      if (a?.userId !== principal) continue;
      try {
        ws.close(revoked ? 4001 : 4003, revoked ? "access revoked" : "permissions changed");
      } catch {}
    }
    const rooms = this.sql
      .exec(`SELECT conversation_id AS c FROM watchers WHERE principal = ?`, principal)
      .toArray()
      .map((r) => String(r.c));
    await Promise.all(
      rooms.map((c) =>
        roomAuthority(this.env.CONVERSATION_ROOM, tenantId, c)
          .authorityChanged(tenantId, principal, standing)
          .catch((err: unknown) => this.log.warn("hub: room not told of an authority change", { error: String(err) })),
      ),
    );
    if (revoked) this.sql.exec(`DELETE FROM watchers WHERE principal = ?`, principal);
    this.broadcastPresence();
    return rooms.length;
  }

  /** Operators with an open inbox socket. */
  async online(tenantId: string): Promise<Operator[]> {
    return this.isTenant(tenantId) ? this.operators() : [];
  }

  /** Whether someone who may take a conversation has the inbox open (presence-aware hand-off, rooms/presence.ts). */
  async agentsOnline(tenantId: string): Promise<boolean> {
    if (!this.isTenant(tenantId)) return false;
    return this.ctx.getWebSockets().some((ws) => {
      const a = ws.deserializeAttachment() as { canTake?: boolean } | null;
      return !!a && a.canTake !== false;
    });
  }

  override async fetch(request: Request): Promise<Response> {
    const principal = HubPrincipal.safeParse(JSON.parse(request.headers.get(PRINCIPAL_HEADER) ?? "null"));
    if (!principal.success || request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("bad request", { status: 400 });
    if (!this.isTenant(principal.data.tenantId)) return new Response("not found", { status: 404 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], ["operator"]);
    pair[1].serializeAttachment({
      userId: principal.data.userId,
      name: principal.data.name,
      ...(principal.data.exp !== undefined ? { exp: principal.data.exp } : {}),
      ...(principal.data.canTake !== undefined ? { canTake: principal.data.canTake } : {}),
    } satisfies HubSocket);
    this.send(pair[1], JSON.stringify({ type: "ready", seq: this.lastSeq(), operators: this.operators() }));
    this.broadcastPresence();
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    const text = typeof raw === "string" && raw.length <= MAX_FRAME_BYTES ? raw : null;
    let parsed: ReturnType<typeof HubFrame.safeParse> | undefined;
    try {
      parsed = text === null ? undefined : HubFrame.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (this.closeIfExpired(ws, Date.now())) return;
    if (!parsed?.success)
      return this.send(
        ws,
        JSON.stringify({ type: "error", code: "INVALID_FRAME", message: "expected hello, ping or auth" }),
      );
    if (parsed.data.type === "ping") return this.send(ws, `{"type":"pong"}`);
    if (parsed.data.type === "auth") return this.reauth(ws, parsed.data.token);
    const rows = this.sql.exec(`SELECT body FROM events WHERE seq > ? ORDER BY seq`, parsed.data.lastSeq).toArray();
    for (const r of rows) this.send(ws, String(r.body));
  }

  /** A socket past its token's expiry gets TOKEN_EXPIRED and a 4001 close; returns whether it was. */
  private closeIfExpired(ws: WebSocket, now: number): boolean {
    const a = ws.deserializeAttachment() as HubSocket | null;
    if (!a || !socketExpired(a.exp, now)) return false;
    this.send(
      ws,
      JSON.stringify({ type: "error", code: "TOKEN_EXPIRED", message: "your access token expired; reconnect" }),
    );
    try {
      ws.close(4001, "token expired");
    } catch {}
    return true;
  }

  /** `auth`: a fresh access token of the same user and tenant extends the socket's life; anything else closes it. */
  private async reauth(ws: WebSocket, token: string) {
    const a = ws.deserializeAttachment() as HubSocket | null;
    const tenant = this.sql.exec(`SELECT v FROM kv WHERE k = 'tenant'`).toArray()[0]?.v;
    const r =
      a && typeof tenant === "string"
        ? await verifyReauth(this.appSecret(), token, { userId: a.userId, tenantId: tenant }, Date.now())
        : ({ ok: false, message: "unknown socket" } as const);
    if (!r.ok) {
      this.send(ws, JSON.stringify({ type: "error", code: "UNAUTHORIZED", message: r.message }));
      try {
        ws.close(4001, "unauthorized");
      } catch {}
      return;
    }
    ws.serializeAttachment({ ...a!, exp: r.exp } satisfies HubSocket);
    this.send(ws, JSON.stringify({ type: "authed", exp: r.exp }));
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {}
    this.broadcastPresence(ws);
  }

  override async webSocketError(ws: WebSocket) {
    this.broadcastPresence(ws);
  }

  private operators(except?: WebSocket): Operator[] {
    const seen = new Map<string, Operator>();
    for (const ws of this.ctx.getWebSockets()) {
      if (ws === except) continue;
      const a = ws.deserializeAttachment() as Operator | null;
      if (a) seen.set(a.userId, { userId: a.userId, name: a.name });
    }
    return [...seen.values()];
  }

  private broadcastPresence(except?: WebSocket) {
    const frame = JSON.stringify({ type: "presence", operators: this.operators(except) });
    for (const ws of this.ctx.getWebSockets()) if (ws !== except) this.send(ws, frame);
  }

  private send(ws: WebSocket, frame: string) {
    try {
      ws.send(frame);
    } catch (err) {
      this.log.warn("hub: send failed", { error: String(err) });
    }
  }
}

/** The hub of a tenant (one per tenant, named by the tenant id). */
export function hubStub(ns: AnyNamespace, tenantId: string): DurableObjectStub<TenantHub> {
  return ns.get(ns.idFromName(tenantId)) as unknown as DurableObjectStub<TenantHub>;
}

/** The one room RPC the hub calls (typed here, not through the class, so hub and room do not import each other). */
function roomAuthority(ns: AnyNamespace, tenantId: string, conversationId: string) {
  return ns.get(ns.idFromName(roomName(tenantId, conversationId))) as {
    authorityChanged(tenantId: string, principal: string, standing: Standing): Promise<void>;
  };
}
