import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { createLog } from "../lib/log";
import type { CallState, Channel, JsonObject, Mode, Operator, Role, Status } from "./protocol";
import { MAX_FRAME_BYTES } from "./protocol";
import { PRINCIPAL_HEADER, type AnyNamespace } from "./room-api";

/**
 * Coarse inbox events: what operators' inbox lists need, never every token of every message.
 * Each carries the conversation it is about; the hub adds a per-tenant `seq` for catch-up.
 */
export type InboxEvent = ConversationEvent | TicketEvent;

/** A ticket was opened or changed (status, priority, category, assignee): ticket lists re-read. */
export type TicketEvent = {
  type: "ticket.changed";
  ticketId: string;
  conversationId: string;
  status: string;
  priority: string;
  at: string;
};

/** Conversation events, published by the conversation's room. */
export type ConversationEvent = { conversationId: string; botId: string; channel: Channel; at: string } & (
  | { type: "conversation.created"; status: Status; mode: Mode; visitor: { name?: string; email?: string } }
  | { type: "conversation.visitor"; visitor: { name?: string; email?: string } }
  | { type: "conversation.message"; lastSeq: number; role: Role; preview: string; messageCount: number }
  | { type: "conversation.mode"; mode: Mode; status: Status; reason: string }
  | { type: "conversation.assigned"; assignee: Operator | null }
  | { type: "conversation.closed"; reason: string }
  | { type: "call.state"; state: CallState; data?: JsonObject }
);

/** Events kept for `hello {lastSeq}` catch-up after a dropped socket. */
const KEEP_EVENTS = 500;

const HubFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("hello"), lastSeq: z.number().int().min(0) }).strict(),
  z.object({ type: z.literal("ping") }).strict(),
]);

/** The principal the Worker attaches to the upgrade it forwards (never read from the client). */
export const HubPrincipal = z.object({
  tenantId: z.string(),
  userId: z.string(),
  name: z.string(),
  /** May take conversations (conversations:write); viewers watch only. Absent counts as yes. */
  canTake: z.boolean().optional(),
});
export type HubPrincipal = z.infer<typeof HubPrincipal>;

/**
 * One per tenant (`idFromName(tenantId)`): the operators' live inbox feed. Rooms call `publish`
 * over RPC; operators hold a hibernatable WebSocket at GET /api/inbox/ws.
 *
 * Server frames: `{type:"ready", seq, operators}`, every InboxEvent with its `seq`,
 * `{type:"presence", operators}`, `{type:"pong"}`, `{type:"error", code, message}`.
 */
export class TenantHub extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly log = createLog({ do: "TenantHub" });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)`);
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(`{"type":"ping"}`, `{"type":"pong"}`));
  }

  /** The first caller names the tenant; every later call must name the same one (else it gets nothing). */
  private isTenant(tenantId: string): boolean {
    const row = this.sql.exec(`SELECT v FROM kv WHERE k = 'tenant'`).toArray()[0];
    if (!row) this.sql.exec(`INSERT INTO kv (k, v) VALUES ('tenant', ?)`, tenantId);
    else if (row.v !== tenantId) {
      this.log.error("hub: call for another tenant refused", { tenantId });
      return false;
    }
    return true;
  }

  private lastSeq(): number {
    return Number(this.sql.exec(`SELECT COALESCE(MAX(seq), 0) AS s FROM events`).toArray()[0]?.s ?? 0);
  }

  /** Stores and fans out one event; returns its seq (0 when refused). */
  async publish(tenantId: string, event: InboxEvent): Promise<number> {
    if (!this.isTenant(tenantId)) return 0;
    const seq = this.lastSeq() + 1;
    const frame = JSON.stringify({ ...event, seq });
    this.sql.exec(`INSERT INTO events (seq, body) VALUES (?, ?)`, seq, frame);
    if (seq % 50 === 0) this.sql.exec(`DELETE FROM events WHERE seq <= ?`, seq - KEEP_EVENTS);
    for (const ws of this.ctx.getWebSockets()) this.send(ws, frame);
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
      canTake: principal.data.canTake,
    });
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
    if (!parsed?.success)
      return this.send(ws, JSON.stringify({ type: "error", code: "INVALID_FRAME", message: "expected hello or ping" }));
    if (parsed.data.type === "ping") return this.send(ws, `{"type":"pong"}`);
    const rows = this.sql.exec(`SELECT body FROM events WHERE seq > ? ORDER BY seq`, parsed.data.lastSeq).toArray();
    for (const r of rows) this.send(ws, String(r.body));
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
