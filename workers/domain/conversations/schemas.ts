import { z } from "@hono/zod-openapi";
import { CONVERSATION_MODES, CONVERSATION_STATUSES } from "../../storage/schema";

/** Limits of the widget session and attachment endpoints (frame limits live in rooms/protocol.ts). */
export const VISITOR_TOKEN_TTL_SECONDS = 24 * 3600;
export const UPLOAD_URL_TTL_SECONDS = 5 * 60;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Types a visitor may attach: images, PDFs and plain text; never HTML or scripts. */
export const ATTACHMENT_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "text/plain",
] as const;
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

export const VisitorInput = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email().max(254).optional(),
    locale: z.string().min(2).max(35).optional(),
    metadata: z
      .record(z.string().min(1).max(64), z.string().max(500))
      .refine((m) => Object.keys(m).length <= 20, "at most 20 keys")
      .optional(),
  })
  .strict();

export const IdentityInput = z
  .object({
    userId: z.string().min(1).max(200),
    /** Unix time in seconds after which the hash is refused. */
    expiresAt: z.number().int().positive(),
    /** Lower-case hex HMAC-SHA256 of `${userId}:${expiresAt}` keyed with the bot's secret. */
    hash: z.string().regex(/^[0-9a-fA-F]{64}$/, "64 hex characters"),
  })
  .strict();

export const SessionInput = z
  .object({
    botKey: z.string().startsWith("pk_").max(100),
    visitor: VisitorInput.optional(),
    /** Resume this conversation; it must belong to the bot and to this visitor. */
    conversationId: z.string().min(1).max(64).optional(),
    /** The `visitorToken` a previous session returned: proves the visitor owns `conversationId`. */
    visitorToken: z.string().min(10).max(100).optional(),
    identity: IdentityInput.optional(),
  })
  .strict()
  .openapi("WidgetSessionInput");
export type SessionInput = z.infer<typeof SessionInput>;

export const SessionDto = z
  .object({
    token: z.string().openapi({ description: "visitor token for the socket and attachment calls" }),
    expiresIn: z.number(),
    conversationId: z.string(),
    wsUrl: z.string(),
    visitorToken: z.string().openapi({ description: "keep it (localStorage) and send it back to resume" }),
    resumed: z.boolean(),
    bot: z.object({
      id: z.string(),
      name: z.string(),
      greeting: z.string(),
      theme: z.record(z.string(), z.unknown()),
      settings: z.record(z.string(), z.unknown()),
      /** The widget loads its avatar chunk only when this is on (issue 19). */
      avatar: z.object({
        enabled: z.boolean(),
        /** The bot's 3D model (binary glTF) when one is uploaded; the widget then loads three.js. */
        model: z.string().nullable(),
      }),
      poweredBy: z.string().nullable().openapi({
        description:
          "where the widget's small \"Powered by Echo\" mark links (this deployment's landing page); null when the workspace's plan includes white-label (or billing is off), and the widget shows no mark",
      }),
    }),
  })
  .openapi("WidgetSession");
export type SessionDto = z.infer<typeof SessionDto>;

export const ListQuery = z
  .object({
    status: z.enum(CONVERSATION_STATUSES).optional(),
    mode: z.enum(CONVERSATION_MODES).optional(),
    botId: z.string().min(1).max(64).optional(),
    assignee: z.string().min(1).max(64).optional().openapi({ description: "a user id, `me` or `none`" }),
    q: z.string().trim().min(1).max(200).optional().openapi({
      description:
        "full-text search over message bodies (notes included): conversations with a message holding every word (as a prefix)",
    }),
    includeEmpty: z.enum(["true", "false"]).default("false").openapi({
      description: "also list chat conversations with no message yet (a widget was opened on a page, nobody wrote)",
    }),
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(PAGE_DEFAULT),
  })
  .strict();
export type ListQuery = z.infer<typeof ListQuery>;

export const MessagesQuery = z
  .object({
    afterSeq: z.coerce.number().int().min(0).optional(),
    cursor: z
      .string()
      .regex(/^\d{1,10}$/)
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
    includeNotes: z.enum(["true", "false"]).default("true"),
  })
  .strict();
export type MessagesQuery = z.infer<typeof MessagesQuery>;

export const ExportQuery = z
  .object({
    format: z.enum(["json", "text"]).default("json"),
    includeNotes: z.enum(["true", "false"]).default("false"),
  })
  .strict();
export type ExportQuery = z.infer<typeof ExportQuery>;

const Operator = z.object({ userId: z.string(), name: z.string() });

export const ConversationDto = z
  .object({
    id: z.string(),
    botId: z.string(),
    channel: z.string(),
    status: z.enum(CONVERSATION_STATUSES),
    mode: z.enum(CONVERSATION_MODES),
    assigneeId: z.string().nullable(),
    visitor: z.record(z.string(), z.unknown()),
    lastMessageAt: z.string().nullable(),
    lastMessagePreview: z.string().nullable(),
    messageCount: z.number(),
    lastSeq: z.number(),
    meta: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
  })
  .openapi("Conversation");
export type ConversationDto = z.infer<typeof ConversationDto>;

export const MessageDto = z
  .object({
    id: z.string(),
    seq: z.number(),
    role: z.enum(["visitor", "ai", "agent", "system"]),
    text: z.string(),
    at: z.string(),
    cid: z.string().nullable(),
    sources: z
      .array(z.object({ sourceId: z.string(), title: z.string(), url: z.string().nullable(), snippet: z.string() }))
      .nullable(),
    attachments: z.array(z.object({ id: z.string(), name: z.string(), type: z.string(), size: z.number() })).nullable(),
    internal: z.boolean().openapi({ description: "a private note: never shown to the visitor" }),
    author: Operator.nullable(),
  })
  .openapi("Message");
export type MessageDto = z.infer<typeof MessageDto>;

export const AttachmentRequest = z
  .object({
    name: z.string().trim().min(1).max(200),
    type: z.enum(ATTACHMENT_TYPES),
    size: z.number().int().min(1).max(MAX_ATTACHMENT_BYTES),
  })
  .strict()
  .openapi("AttachmentRequest");
export type AttachmentRequest = z.infer<typeof AttachmentRequest>;

export const UploadTicket = z
  .object({
    id: z.string(),
    uploadUrl: z.string(),
    expiresAt: z.string(),
    maxBytes: z.number(),
    field: z.literal("file"),
  })
  .openapi("UploadTicket");

export const AttachmentDto = z
  .object({ id: z.string(), name: z.string(), type: z.string(), size: z.number() })
  .openapi("Attachment");
