import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The D1 copy of live conversations. The ConversationRoom Durable Object is authoritative; it
 * writes these rows within seconds (alarm-driven batches, idempotent upserts) so listing, search,
 * analytics and exports work from D1 without waking rooms.
 */
export const CONVERSATION_CHANNELS = ["chat", "voice", "email", "whatsapp"] as const;
export type ConversationChannel = (typeof CONVERSATION_CHANNELS)[number];
export const CONVERSATION_STATUSES = ["open", "waiting", "closed"] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const CONVERSATION_MODES = ["ai", "human", "closed"] as const;
export type ConversationMode = (typeof CONVERSATION_MODES)[number];
export const MESSAGE_ROLES = ["visitor", "ai", "agent", "system"] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** What the widget (or a channel) told us about the visitor; `userId` only when verified by HMAC. */
export type VisitorInfo = {
  name?: string;
  email?: string;
  phone?: string;
  locale?: string;
  userId?: string;
  verified?: boolean;
  /** Free-form page context (url, plan...) from the widget, bounded by the session schema. */
  metadata?: Record<string, string>;
};

/** Channel data (call state, durations, cost, summary), hand-off reason, rating. */
export type ConversationMeta = Record<string, unknown>;

export type MessageSourceJson = { sourceId: string; title: string; url: string | null; snippet: string };
export type MessageAttachmentJson = { id: string; name: string; type: string; size: number };

export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    botId: text("bot_id").notNull(),
    channel: text("channel").$type<ConversationChannel>().notNull(),
    status: text("status").$type<ConversationStatus>().notNull(),
    mode: text("mode").$type<ConversationMode>().notNull(),
    assigneeId: text("assignee_id"),
    visitor: text("visitor", { mode: "json" }).$type<VisitorInfo>().notNull(),
    /** SHA-256 of the visitor token the widget keeps; resuming a conversation must present it. */
    visitorKeyHash: text("visitor_key_hash"),
    lastMessageAt: integer("last_message_at", { mode: "timestamp_ms" }),
    lastMessagePreview: text("last_message_preview"),
    /** Messages visible to the visitor (notes excluded); equals the room's last seq. */
    messageCount: integer("message_count").notNull().default(0),
    meta: text("meta", { mode: "json" }).$type<ConversationMeta>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    closedAt: integer("closed_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    // GET /api/conversations: a tenant's conversations by recent activity, cursor (updated_at, id)
    index("conversations_tenant_updated_idx").on(t.tenantId, t.updatedAt, t.id),
    // the inbox filter by status (waiting for a person) in activity order
    index("conversations_tenant_status_idx").on(t.tenantId, t.status, t.updatedAt),
    // "assigned to me"
    index("conversations_tenant_assignee_idx").on(t.tenantId, t.assigneeId, t.updatedAt),
  ],
);

/**
 * Message bodies are also indexed in the FTS5 table `messages_fts` (hand-written in
 * migrations/0011_ux.sql, kept in step by triggers; queried by storage/message-search.ts).
 */
export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    /** Gap-free per conversation for visible messages; a note carries the seq of the message it follows. */
    seq: integer("seq").notNull(),
    role: text("role").$type<MessageRole>().notNull(),
    text: text("text").notNull(),
    sources: text("sources", { mode: "json" }).$type<MessageSourceJson[]>(),
    cid: text("cid"),
    attachments: text("attachments", { mode: "json" }).$type<MessageAttachmentJson[]>(),
    /** 1 for operators' private notes, which the visitor never sees. */
    internal: integer("internal", { mode: "boolean" }).notNull().default(false),
    /** The agent (or note author) who wrote it: { userId, name }. */
    author: text("author", { mode: "json" }).$type<{ userId: string; name: string }>(),
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // GET /api/conversations/:id/messages and exports: a conversation's messages in seq order
    index("messages_tenant_conversation_seq_idx").on(t.tenantId, t.conversationId, t.seq),
  ],
);

export type ConversationRow = typeof conversations.$inferSelect;
export type NewConversationRow = typeof conversations.$inferInsert;
export type MessageRow = typeof messages.$inferSelect;
export type NewMessageRow = typeof messages.$inferInsert;
