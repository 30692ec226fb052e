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
    /** What the file holds; only past conversations today. */
    type: z.literal("conversations").default("conversations"),
    /** The bot the conversations belong to; default the workspace's first bot. */
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

export const ImportReportDto = z
  .object({
    type: z.literal("conversations"),
    dryRun: z.boolean(),
    rows: z.number().int(),
    conversations: z.object({
      imported: z.number().int(),
      /** Already imported before (same conversation_id): left as they are. */
      skipped: z.number().int(),
      /** Holding a refused row (partial imports only). */
      refused: z.number().int(),
    }),
    messages: z.number().int(),
    refusedRows: z.number().int(),
    errors: z.array(ImportRowError),
    ignoredColumns: z.array(z.string()),
  })
  .openapi("ImportReport");
export type ImportReportDto = z.infer<typeof ImportReportDto>;
