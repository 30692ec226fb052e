import { z } from "zod";
import type { CallState, Channel, JsonObject, Mode, Operator, Role, Status } from "./protocol";

/** The tenant hub's contract: inbox events (the hub's frames), its principal and its port. */

/**
 * Coarse inbox events: what operators' inbox lists need, never every token of every message.
 * Each carries the conversation it is about; the hub adds a per-tenant `seq` for catch-up.
 */
export type InboxEvent = ConversationEvent | TicketEvent | BillingEvent | ReceiptEvent;

/**
 * A tenant's AI answers or voice minutes crossed 80 % or 100 % of its plan's monthly limit (issue
 * 15): once per period, meter and threshold. Operators' screens show it to admins; the same notice
 * goes out by mail.
 */
export type BillingEvent = {
  type: "billing.quota";
  /** What the limit counts. */
  meter: "ai_answers" | "voice_minutes";
  /** Percent of the limit crossed: 80 or 100. */
  threshold: number;
  period: string;
  plan: string;
  used: number;
  limit: number;
  at: string;
};

/** A channel's delivery receipt for one of our messages (WhatsApp: sent, delivered, read, failed); never a downgrade. */
export type ReceiptEvent = {
  type: "message.receipt";
  conversationId: string;
  messageId: string;
  status: "sent" | "delivered" | "read" | "failed";
  at: string;
};

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

/** The principal the Worker attaches to the upgrade it forwards (never read from the client). */
export const HubPrincipal = z.object({
  tenantId: z.string(),
  userId: z.string(),
  name: z.string(),
  /** The access token's expiry (seconds since the epoch); absent for API keys, whose sockets do not expire. */
  exp: z.number().int().optional(),
  /** May take conversations (conversations:write); viewers watch only. Absent counts as yes. */
  canTake: z.boolean().optional(),
});
export type HubPrincipal = z.infer<typeof HubPrincipal>;

/**
 * The tenant's inbox hub as domain code sees it (`ctx.hub`). Implemented over the TenantHub
 * Durable Object's RPC stub in workers/rooms/room-port.ts.
 */
/** What a principal may still do on live sockets: nothing (`revoked`), or only watch, or act. */
export type Standing = "revoked" | "read_only" | "write";

export interface HubPort {
  /** A room tells the hub it holds a socket of `principal`, so authority changes reach it. */
  watch(tenantId: string, principal: string, conversationId: string): Promise<void>;
  /** Closes the principal's inbox sockets (4001 revoked, 4003 demoted) and tells the rooms it watches. */
  authorityChanged(tenantId: string, principal: string, standing: Standing): Promise<number>;
  /** Stores and fans out one event; resolves to its seq (0 when refused). */
  publish(tenantId: string, event: InboxEvent): Promise<number>;
  /** Events after `afterSeq` still kept. */
  recent(tenantId: string, afterSeq?: number): Promise<(InboxEvent & { seq: number })[]>;
  /** Operators with an open inbox socket. */
  online(tenantId: string): Promise<Operator[]>;
  /** Whether someone who may take a conversation (conversations:write) has the inbox open. */
  agentsOnline(tenantId: string): Promise<boolean>;
  /** Workspace purge: closes the inbox sockets and deletes everything the hub stores. */
  erase(tenantId: string): Promise<{ events: number }>;
  /** Hands an authenticated operator's WebSocket upgrade to the tenant's hub. */
  connect(request: Request, principal: HubPrincipal): Promise<Response>;
}
