import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A workspace's inbound address is `<local_part>@<EMAIL_INBOUND_DOMAIN>`; made on first use. */
export const emailInboxes = sqliteTable(
  "email_inboxes",
  {
    tenantId: text("tenant_id").primaryKey(),
    localPart: text("local_part").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  // the email() handler finds the workspace of a recipient address
  (t) => [uniqueIndex("email_inboxes_local_part_uq").on(t.localPart)],
);

/**
 * Every Message-ID this workspace received or sent in the email channel: inbound `In-Reply-To` and
 * `References` are matched against them (threading), and replies quote the latest.
 */
export const emailMessages = sqliteTable(
  "email_messages",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    /** With its angle brackets, as in the header. */
    messageId: text("message_id").notNull(),
    direction: text("direction").$type<"in" | "out">().notNull(),
    /** The visitor's address (lower case): a reply from anyone else starts a new conversation. */
    contact: text("contact").notNull(),
    subject: text("subject").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // threading: a referenced id of this tenant; also dedupes a redelivered inbound mail
    uniqueIndex("email_messages_tenant_mid_uq").on(t.tenantId, t.messageId),
    // a reply's In-Reply-To/References: the conversation's ids, newest last
    index("email_messages_conversation_idx").on(t.tenantId, t.conversationId, t.createdAt),
  ],
);

/**
 * One WhatsApp Cloud API phone number of a bot. Access token, app secret and verify token are one
 * AES-GCM ciphertext under the tenant key (domain/secrets/crypto.ts); only hints leave the server.
 */
export const whatsappChannels = sqliteTable(
  "whatsapp_channels",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    botId: text("bot_id").notNull(),
    phoneNumberId: text("phone_number_id").notNull(),
    secretsCiphertext: text("secrets_ciphertext").notNull(),
    secretHints: text("secret_hints", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** The WhatsApp Business Account the number belongs to: its approved templates are synced from it. */
    wabaId: text("waba_id"),
  },
  // listing a tenant's channels
  (t) => [index("whatsapp_channels_tenant_idx").on(t.tenantId, t.createdAt)],
);

/** One conversation per contact and channel; `last_inbound_at` (Meta's timestamp) opens the 24-hour window. */
export const whatsappContacts = sqliteTable(
  "whatsapp_contacts",
  {
    channelId: text("channel_id").notNull(),
    waId: text("wa_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    lastInboundAt: integer("last_inbound_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.waId] }),
    // a reply finds the contact of its conversation
    index("whatsapp_contacts_conversation_idx").on(t.tenantId, t.conversationId),
  ],
);

/** Message ids (wamid) seen or sent: webhook idempotency and delivery receipts. */
export const whatsappMessages = sqliteTable(
  "whatsapp_messages",
  {
    wamid: text("wamid").notNull(),
    channelId: text("channel_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    direction: text("direction").$type<"in" | "out">().notNull(),
    /** `received` for inbound; sent | delivered | read | failed for ours. */
    status: text("status").notNull(),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }).notNull(),
    /** The Echo message this wamid carries (ours: the receipt operators see on it). */
    messageId: text("message_id"),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.wamid] }),
    // a conversation's receipts (the dashboard's thread)
    index("whatsapp_messages_conversation_idx").on(t.tenantId, t.conversationId),
  ],
);

/** One approved message template of a channel's WhatsApp Business Account, as last synced. */
export const whatsappTemplates = sqliteTable(
  "whatsapp_templates",
  {
    channelId: text("channel_id").notNull(),
    name: text("name").notNull(),
    language: text("language").notNull(),
    tenantId: text("tenant_id").notNull(),
    category: text("category").notNull(),
    /** Meta's component list (HEADER, BODY, FOOTER, BUTTONS) as synced. */
    components: text("components", { mode: "json" }).$type<unknown[]>().notNull(),
    syncedAt: integer("synced_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.name, t.language] })],
);

/**
 * Cross-channel contacts: conversations an operator linked as one person's (the same verified email
 * or phone on two channels). A conversation belongs to at most one contact.
 */
export const contactLinks = sqliteTable(
  "contact_links",
  {
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    contactId: text("contact_id").notNull(),
    linkedBy: text("linked_by"),
    linkedAt: integer("linked_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.conversationId] }),
    // a contact's conversations (the inbox's "other conversations")
    index("contact_links_contact_idx").on(t.tenantId, t.contactId),
  ],
);
