import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "./db";
import {
  emailInboxes,
  emailMessages,
  whatsappChannels,
  whatsappContacts,
  whatsappMessages,
  whatsappTemplates,
} from "./schema";

export type ReceiptStatus = "sent" | "delivered" | "read" | "failed";
/**
 * A receipt only moves forward: sent → delivered → read; failed replaces only sent (a message
 * delivered or read did not fail, whatever order Meta's statuses arrive in).
 */
export const RECEIPT_RANK: Record<ReceiptStatus, number> = { sent: 0, failed: 1, delivered: 2, read: 3 };

export type EmailMessageRow = typeof emailMessages.$inferSelect;
export type WhatsappChannelRow = typeof whatsappChannels.$inferSelect;
export type WhatsappTemplateRow = typeof whatsappTemplates.$inferSelect;
export type WhatsappContactRow = typeof whatsappContacts.$inferSelect;

/** D1 binds at most 100 parameters per statement; a References header is cut to this many ids. */
export const MAX_REFERENCES = 50;

export const emailRepo = (db: Db) => ({
  inbox: (tenantId: string) => db.select().from(emailInboxes).where(eq(emailInboxes.tenantId, tenantId)).get(),
  /** The email() handler's only cross-tenant lookup: the recipient's local part names the workspace. */
  inboxByLocalPart: (localPart: string) =>
    db.select().from(emailInboxes).where(eq(emailInboxes.localPart, localPart)).get(),
  insertInbox: (row: typeof emailInboxes.$inferInsert) =>
    db.insert(emailInboxes).values(row).onConflictDoNothing().run(),
  /** This tenant's stored mails among `messageIds` (threading); newest first. */
  byMessageIds: (tenantId: string, messageIds: string[]) =>
    messageIds.length === 0
      ? Promise.resolve([] as EmailMessageRow[])
      : db
          .select()
          .from(emailMessages)
          .where(
            and(
              eq(emailMessages.tenantId, tenantId),
              inArray(emailMessages.messageId, messageIds.slice(0, MAX_REFERENCES)),
            ),
          )
          .orderBy(desc(emailMessages.createdAt))
          .all(),
  /** The conversation's mails, oldest first (a reply references them all). */
  ofConversation: (tenantId: string, conversationId: string) =>
    db
      .select()
      .from(emailMessages)
      .where(and(eq(emailMessages.tenantId, tenantId), eq(emailMessages.conversationId, conversationId)))
      .orderBy(emailMessages.createdAt, emailMessages.id)
      .all(),
  /** Forgets an inbound id whose message could not be stored, so a redelivery is processed again. */
  forget: (tenantId: string, messageId: string) =>
    db
      .delete(emailMessages)
      .where(and(eq(emailMessages.tenantId, tenantId), eq(emailMessages.messageId, messageId)))
      .run(),
  /** False when this tenant already has the Message-ID (a redelivery). */
  insert: async (row: typeof emailMessages.$inferInsert) =>
    (await db.insert(emailMessages).values(row).onConflictDoNothing().returning().get()) !== undefined,
});

export const whatsappRepo = (db: Db) => ({
  channel: (tenantId: string, id: string) =>
    db
      .select()
      .from(whatsappChannels)
      .where(and(eq(whatsappChannels.tenantId, tenantId), eq(whatsappChannels.id, id)))
      .get(),
  /** The webhook's lookup: the channel id in the URL names its tenant (the signature proves the sender). */
  channelById: (id: string) => db.select().from(whatsappChannels).where(eq(whatsappChannels.id, id)).get(),
  insertChannel: (row: typeof whatsappChannels.$inferInsert) => db.insert(whatsappChannels).values(row).run(),
  setWabaId: (tenantId: string, id: string, wabaId: string) =>
    db
      .update(whatsappChannels)
      .set({ wabaId })
      .where(and(eq(whatsappChannels.tenantId, tenantId), eq(whatsappChannels.id, id)))
      .returning()
      .get(),
  templates: (tenantId: string, channelId: string) =>
    db
      .select()
      .from(whatsappTemplates)
      .where(and(eq(whatsappTemplates.tenantId, tenantId), eq(whatsappTemplates.channelId, channelId)))
      .orderBy(whatsappTemplates.name, whatsappTemplates.language)
      .all(),
  /** Statements replacing a channel's synced templates (one batch; 7 columns → 14 rows per insert). */
  replaceTemplatesStmts: (tenantId: string, channelId: string, rows: (typeof whatsappTemplates.$inferInsert)[]) => {
    const del = db
      .delete(whatsappTemplates)
      .where(and(eq(whatsappTemplates.tenantId, tenantId), eq(whatsappTemplates.channelId, channelId)));
    const inserts = [];
    for (let i = 0; i < rows.length; i += 14) inserts.push(db.insert(whatsappTemplates).values(rows.slice(i, i + 14)));
    return [del, ...inserts] as const;
  },
  contact: (channelId: string, waId: string) =>
    db
      .select()
      .from(whatsappContacts)
      .where(and(eq(whatsappContacts.channelId, channelId), eq(whatsappContacts.waId, waId)))
      .get(),
  contactOfConversation: (tenantId: string, conversationId: string) =>
    db
      .select()
      .from(whatsappContacts)
      .where(and(eq(whatsappContacts.tenantId, tenantId), eq(whatsappContacts.conversationId, conversationId)))
      .get(),
  upsertContact: (row: typeof whatsappContacts.$inferInsert) =>
    db
      .insert(whatsappContacts)
      .values(row)
      .onConflictDoUpdate({
        target: [whatsappContacts.channelId, whatsappContacts.waId],
        set: { conversationId: row.conversationId, lastInboundAt: row.lastInboundAt },
      })
      .run(),
  /** False when the wamid was already seen (Meta redelivers). */
  insertMessage: async (row: typeof whatsappMessages.$inferInsert) =>
    (await db.insert(whatsappMessages).values(row).onConflictDoNothing().returning().get()) !== undefined,
  /** Ties a wamid to the Echo message that carries it. */
  setMessageId: (tenantId: string, channelId: string, wamid: string, messageId: string) =>
    db
      .update(whatsappMessages)
      .set({ messageId })
      .where(
        and(
          eq(whatsappMessages.tenantId, tenantId),
          eq(whatsappMessages.channelId, channelId),
          eq(whatsappMessages.wamid, wamid),
        ),
      )
      .run(),
  /**
   * A delivery status of one of our messages, applied only when it moves the receipt forward
   * (RECEIPT_RANK): Meta may deliver statuses out of order, and read stays read. Undefined when
   * the wamid is unknown or the status is not newer.
   */
  setStatus: (tenantId: string, channelId: string, wamid: string, status: ReceiptStatus) =>
    db
      .update(whatsappMessages)
      .set({ status })
      .where(
        and(
          eq(whatsappMessages.tenantId, tenantId),
          eq(whatsappMessages.channelId, channelId),
          eq(whatsappMessages.wamid, wamid),
          eq(whatsappMessages.direction, "out"),
          sql`(CASE ${whatsappMessages.status} WHEN 'sent' THEN 0 WHEN 'failed' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 9 END) < ${RECEIPT_RANK[status]}`,
        ),
      )
      .returning()
      .get(),
  /** The receipts of a conversation's messages (message id → status), ours only. */
  receipts: (tenantId: string, conversationId: string) =>
    db
      .select({ messageId: whatsappMessages.messageId, status: whatsappMessages.status })
      .from(whatsappMessages)
      .where(
        and(
          eq(whatsappMessages.tenantId, tenantId),
          eq(whatsappMessages.conversationId, conversationId),
          eq(whatsappMessages.direction, "out"),
        ),
      )
      .all(),
});
