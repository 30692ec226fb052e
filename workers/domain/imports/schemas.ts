import { z } from "@hono/zod-openapi";

/**
 * CSV imports of past conversations (seed 004). One CSV row per message; the documented columns:
 * | column | required | meaning |
 * | --- | --- | --- |
 * | `conversation_id` | yes | the conversation's id in the old tool (≤ 200 chars): rows with the same id are one conversation, and a re-import skips ids already imported |
 * | `created_at` | yes | when the message was sent: ISO 8601 (`2024-03-01T09:30:00Z`, `2024-03-01 09:30:00+02:00`; no zone = UTC) |
 * | `role` | yes | `visitor` (or `customer`, `user`), `agent` (or `operator`, `staff`), `ai` (or `bot`, `assistant`), `system` |
 * | `text` | yes | the message (≤ 4,000 characters) |
 * | `channel` | no | `chat` (default), `email`, `voice`, `whatsapp`; one per conversation |
 * | `visitor_name`, `visitor_email` | no | the customer; the first non-empty value of a conversation wins |
 * | `author_name` | no | the agent who wrote an agent message |
 * Other columns are ignored (and listed in the report).
 */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 200_000;
export const MAX_IMPORT_TEXT = 4000;
export const MAX_EXTERNAL_ID = 200;
export const MAX_MESSAGES_PER_CONVERSATION = 1000;
/** Refused rows listed in one answer (the count is always complete). */
export const MAX_REPORTED_ERRORS = 100;

export const REQUIRED_COLUMNS = ["conversation_id", "created_at", "role", "text"] as const;
export const OPTIONAL_COLUMNS = ["channel", "visitor_name", "visitor_email", "author_name"] as const;

const flag = z
  .enum(["true", "false", "1", "0"])
  .optional()
  .transform((v) => v === "true" || v === "1");

export const ImportQuery = z
  .object({
    /** What the file holds: past conversations (default) or knowledge question/answer pairs. */
    type: z.enum(["conversations", "qa"]).default("conversations"),
    /**
     * conversations: the bot they belong to (default the workspace's first bot). qa: the bot the
     * pairs answer for when a row has no `bot_id` (default: every bot of the workspace).
     */
    botId: z.string().min(1).max(64).optional(),
    /**
     * false (default): any refused row refuses the whole file, nothing is written. true: the
     * conversations with a refused row are skipped whole, the others imported.
     */
    partial: flag,
    /** Validate and report only; nothing is written. */
    dryRun: flag,
  })
  .openapi("ImportQuery");
export type ImportQuery = z.infer<typeof ImportQuery>;

export const ImportRowError = z.object({ row: z.number().int(), column: z.string().nullable(), message: z.string() });
export type ImportRowError = z.infer<typeof ImportRowError>;

/** What every import report says: dry run or not, rows read, and the refused rows (listed up to MAX_REPORTED_ERRORS). */
const reportBase = {
  dryRun: z.boolean(),
  rows: z.number().int(),
  refusedRows: z.number().int(),
  errors: z.array(ImportRowError),
  ignoredColumns: z.array(z.string()),
};

export const ConversationsImportReport = z
  .object({
    type: z.literal("conversations"),
    ...reportBase,
    conversations: z.object({
      imported: z.number().int(),
      /** Already imported before (same conversation_id): left as they are. */
      skipped: z.number().int(),
      /** Holding a refused row (partial imports only). */
      refused: z.number().int(),
    }),
    messages: z.number().int(),
  })
  .openapi("ConversationsImportReport");
export type ConversationsImportReport = z.infer<typeof ConversationsImportReport>;

/**
 * Knowledge question/answer pairs (`type=qa`), one CSV row per pair:
 * | column | required | meaning |
 * | --- | --- | --- |
 * | `question` | yes | the question, as a visitor would ask it (≤ 10,000 characters) |
 * | `answer` | yes | the answer (≤ 10,000 characters; Markdown kept) |
 * | `id` | no | the pair's id in the old tool (≤ 200 characters): a re-import with the same id updates it |
 * | `bot_id` | no | the bot that answers with it (default the `botId` query parameter, else every bot) |
 * Each pair becomes one knowledge source (type `qa`), so an answer cites its own question.
 */
export const QA_REQUIRED_COLUMNS = ["question", "answer"] as const;
export const QA_OPTIONAL_COLUMNS = ["id", "bot_id"] as const;
export const MAX_QA_ROWS = 2000;

export const QaImportReport = z
  .object({
    type: z.literal("qa"),
    ...reportBase,
    pairs: z.object({
      /** New pairs (and pairs whose earlier source was deleted since). */
      imported: z.number().int(),
      /** Imported before with another question or answer: the new version replaces the old once indexed. */
      updated: z.number().int(),
      /** Imported before, unchanged: left as they are. */
      skipped: z.number().int(),
    }),
    /** The knowledge sources created (ingested by the queue; their status shows in /api/knowledge/sources). */
    sourceIds: z.array(z.string()),
  })
  .openapi("QaImportReport");
export type QaImportReport = z.infer<typeof QaImportReport>;

export const ImportReportDto = z.union([ConversationsImportReport, QaImportReport]).openapi("ImportReport");
export type ImportReportDto = z.infer<typeof ImportReportDto>;
