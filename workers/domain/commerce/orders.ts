import { NotFound } from "../../lib/errors";
import { type CommerceOrder, normalizeEmail } from "../../providers/commerce/port";
import type { CommerceConnectionRow } from "../../storage/schema";
import type { AnswerSource } from "../knowledge/answer-types";
import type { BaseCtx, Ctx } from "../ctx";
import { type OrderDto, OrderLookupInput, SIDEBAR_ORDERS } from "./schemas";
import { storeFailure, storeOf } from "./store";

/**
 * "Where is my order?" (issue 20). An order is shown only to whom proved they own it: the order
 * number together with the email on the order (or the email the widget verified). A wrong email
 * and a missing order are the same "not found", so nothing about another customer's order leaks,
 * not even that the number exists.
 */
type TenantCtx = Pick<BaseCtx, "repos" | "config" | "log"> & { tenantId: string };

export const toOrderDto = (conn: CommerceConnectionRow, o: CommerceOrder): OrderDto => ({
  connectionId: conn.id,
  platform: conn.platform,
  id: o.id,
  number: o.number,
  status: o.status,
  platformStatus: o.platformStatus,
  createdAt: o.createdAt,
  total: o.total,
  currency: o.currency,
  items: o.items,
  tracking: o.tracking,
  refund: o.refund,
});

/** The order with this number and this email across the workspace's stores, else null. */
export async function lookupOrder(ctx: TenantCtx, input: OrderLookupInput): Promise<OrderDto | null> {
  const q = OrderLookupInput.parse(input);
  const want = normalizeEmail(q.email);
  // one store that fails does not hide an order another store holds; "not found" is said only when
  // every store answered, else the failure is (the visitor hears the store is unreachable)
  let failure: unknown;
  for (const conn of await ctx.repos.commerceConnections.active(ctx.tenantId)) {
    let order: CommerceOrder | undefined;
    try {
      order = await (await storeOf(ctx, conn)).orderByNumber(q.orderNumber);
    } catch (err) {
      failure ??= storeFailure(err, conn.shop);
      ctx.log.warn("commerce: order look-up failed at one store", { shop: conn.shop, error: String(err) });
      continue;
    }
    if (order && order.email && normalizeEmail(order.email) === want) return toOrderDto(conn, order);
  }
  if (failure) throw failure;
  return null;
}

/** POST /api/integrations/orders/lookup: the order, or 404 (a wrong email is the same 404). */
export async function findOrder(ctx: TenantCtx, input: OrderLookupInput): Promise<OrderDto> {
  const order = await lookupOrder(ctx, input);
  if (!order) throw new NotFound("order", input.orderNumber);
  return order;
}

const EMAIL_ONLY = /^[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}$/i;

/**
 * The email a widget visitor proved, or null. The identity hash signs only `${userId}:${expiresAt}`
 * (conversations/start-session.ts), so `visitor.email` is whatever the page said — a visitor with a
 * valid hash for their own user id could type any email beside it at the console. Only a verified
 * user id that is itself an email address proves one: a shop that wants verified order look-ups
 * signs the customer's email as the user id.
 */
export function verifiedEmailOf(
  visitor: { email?: string | null; userId?: string | null; verified?: boolean } | undefined,
): string | null {
  const id = visitor?.verified === true ? visitor.userId?.trim() : undefined;
  return id && EMAIL_ONLY.test(id) ? normalizeEmail(id) : null;
}

/** GET /api/conversations/:id/orders: the visitor's recent orders for the operator's sidebar. */
export async function ordersOfConversation(ctx: Ctx, conversationId: string) {
  const conv = await ctx.repos.conversations.get(ctx.tenantId, conversationId);
  if (!conv) throw new NotFound("conversation", conversationId);
  const proven = verifiedEmailOf(conv.visitor);
  const email = conv.visitor.email ?? proven;
  if (!email) return { email: null, verified: false, orders: [] as OrderDto[] };
  const orders: OrderDto[] = [];
  const conns = await ctx.repos.commerceConnections.active(ctx.tenantId);
  let failed = 0;
  let failure: unknown;
  for (const conn of conns) {
    try {
      const found = await (await storeOf(ctx, conn)).ordersByEmail(email, SIDEBAR_ORDERS);
      orders.push(...found.map((o) => toOrderDto(conn, o)));
    } catch (err) {
      // the other stores' orders still show; only when every store failed is it an error
      failed++;
      failure ??= storeFailure(err, conn.shop);
      ctx.log.warn("commerce: sidebar orders failed at one store", { shop: conn.shop, error: String(err) });
    }
  }
  if (failed > 0 && failed === conns.length) throw failure;
  orders.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  return { email, verified: proven === normalizeEmail(email), orders: orders.slice(0, SIDEBAR_ORDERS) };
}

// ---- the answerer's order tool -------------------------------------------------------------

const ORDER_WORDS =
  /\b(orders?|package|parcel|shipment|shipping|shipped|delivery|delivered|tracking|track|refund(ed)?|commande|pedido|bestellung|colis)\b/i;
const ORDER_NUMBER =
  /(?:#\s?|\b(?:order|commande|pedido|bestellung)\s*(?:number|no\.?|nr\.?|n°|#)?\s*)(\d{3,12})\b|#(\d{3,12})\b/i;
const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/i;

/** The order number and email a visitor's message (or its recent turns) names, if it is about an order. */
export function orderQuestionOf(question: string, history: { role: string; text: string }[] = []) {
  const visitorText = [...history.filter((h) => h.role === "visitor").map((h) => h.text), question].slice(-4);
  const joined = visitorText.join("\n");
  if (!ORDER_WORDS.test(joined)) return null;
  const m = ORDER_NUMBER.exec(question) ?? ORDER_NUMBER.exec(joined);
  const number = m?.[1] ?? m?.[2];
  const email = EMAIL.exec(question)?.[0] ?? EMAIL.exec(joined)?.[0];
  // an order question only when this message adds a number or an email to an order conversation
  if (!number && !(email && ORDER_WORDS.test(question))) return null;
  return { number: number ?? null, email: email ?? null };
}

const STATUS_WORDS: Record<string, string> = {
  open: "has been received and is waiting to be shipped",
  processing: "is being prepared",
  on_hold: "is on hold",
  partially_fulfilled: "has partly shipped",
  fulfilled: "has shipped",
  cancelled: "was cancelled",
  refunded: "was refunded",
};

export function orderAnswerText(o: OrderDto): string {
  const parts = [`Order ${o.number} ${STATUS_WORDS[o.status] ?? `is ${o.status}`}.`];
  if (o.items.length)
    parts.push(
      `It contains ${o.items.map((i) => `${i.quantity} × ${i.title}`).join(", ")} (total ${o.total} ${o.currency}).`,
    );
  for (const t of o.tracking)
    if (t.number || t.url)
      parts.push(
        `Tracking${t.company ? ` (${t.company})` : ""}: ${t.number ?? ""}${t.url ? ` ${t.url}` : ""}`
          .replace(/\s+/g, " ")
          .trim() + ".",
      );
  if (o.refund === "partial") parts.push("Part of it has been refunded.");
  return parts.join(" ");
}

export type OrderAnswer = { text: string; sources: AnswerSource[]; found: boolean };

/**
 * The answerer's order tool: null when the message is not an order question; else the reply. The
 * look-up needs both the number and an email: the one typed in the message, or the one the widget
 * widget-verified visitor gave. Without a match the reply says so without telling whether the number exists.
 */
export async function answerOrderQuestion(
  ctx: TenantCtx,
  question: string,
  history: { role: string; text: string }[],
  visitor: { email?: string | null; userId?: string | null; verified?: boolean } | undefined,
): Promise<OrderAnswer | null> {
  const asked = orderQuestionOf(question, history);
  if (!asked) return null;
  if (!(await ctx.repos.commerceConnections.active(ctx.tenantId)).length) return null;
  // the order number is always needed; with it, the email proves ownership. A widget-verified
  // visitor need not type it: the identity's email (or a user id that is an email). That email is
  // not signed by the hash, but it proves no more than typing the number and an email does, which
  // any visitor may do; the sidebar's `verified` stays strict (verifiedEmailOf).
  const email = asked.email ?? (visitor?.verified ? (visitor.email ?? verifiedEmailOf(visitor)) : null);
  if (!asked.number) return { text: "I can look that up. What is your order number?", sources: [], found: false };
  if (!email)
    return {
      text: `I can look up order ${asked.number}. Please also tell me the email address you used for the order.`,
      sources: [],
      found: false,
    };
  const order = await lookupOrder(ctx, { orderNumber: asked.number, email });
  if (!order)
    return {
      text: "I couldn't find an order with that number and email address. Please check both, or I can connect you with a person.",
      sources: [],
      found: false,
    };
  const text = orderAnswerText(order);
  const tracking = order.tracking.find((t) => t.url)?.url ?? null;
  return {
    text,
    sources: [
      {
        sourceId: `order:${order.connectionId}:${order.id}`,
        title: `Order ${order.number}`,
        url: tracking,
        snippet: text.slice(0, 300),
      },
    ],
    found: true,
  };
}
