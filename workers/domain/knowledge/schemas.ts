import { z } from "@hono/zod-openapi";
import { SOURCE_STATUSES, SOURCE_TYPES } from "../../storage/schema";

/** Limits of knowledge input. The request body limits (1 MiB JSON, 25 MiB multipart) sit in app.ts. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
export const MAX_TEXT_CHARS = 500_000;
export const MAX_TITLE = 200;
export const MAX_QA_CHARS = 10_000;
/** Extracted text beyond this is cut (and the source says so in `error`, status still ready). */
export const MAX_EXTRACTED_CHARS = 2_000_000;
export const MAX_QUESTION = 4000;

const BotRef = z
  .string()
  .min(1)
  .max(64)
  .optional()
  .openapi({ description: "Attach to one bot; omitted: the source serves every bot of the workspace" });
const ExternalId = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .optional()
  .openapi({ description: "Your own id for the document, returned with search hits" });

export const TextSourceInput = z
  .object({
    type: z.literal("text"),
    title: z.string().trim().min(1).max(MAX_TITLE),
    text: z.string().min(1).max(MAX_TEXT_CHARS),
    botId: BotRef,
    externalId: ExternalId,
    url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
  })
  .strict();
export const QaSourceInput = z
  .object({
    type: z.literal("qa"),
    question: z.string().trim().min(1).max(MAX_QA_CHARS),
    answer: z.string().trim().min(1).max(MAX_QA_CHARS),
    botId: BotRef,
    externalId: ExternalId,
  })
  .strict();
export const UrlSourceInput = z
  .object({
    type: z.literal("url"),
    url: z.url({ protocol: /^https?$/ }).max(2000),
    title: z.string().trim().min(1).max(MAX_TITLE).optional(),
    botId: BotRef,
    externalId: ExternalId,
  })
  .strict();

export const SourceJsonInput = z
  .discriminatedUnion("type", [TextSourceInput, QaSourceInput, UrlSourceInput])
  .openapi("KnowledgeSourceInput");
export type SourceJsonInput = z.infer<typeof SourceJsonInput>;

export const SourceUploadInput = z
  .object({
    file: z
      .custom<File>((v) => v instanceof File, "a file (multipart field `file`)")
      .openapi({ type: "string", format: "binary" }),
    botId: BotRef,
    externalId: ExternalId,
    title: z.string().trim().min(1).max(MAX_TITLE).optional(),
  })
  .openapi("KnowledgeSourceUpload");
export type SourceUploadInput = z.infer<typeof SourceUploadInput>;

export const SourceDto = z
  .object({
    id: z.string(),
    type: z.enum(SOURCE_TYPES),
    title: z.string(),
    botId: z.string().nullable(),
    externalId: z.string().nullable(),
    url: z.string().nullable(),
    filename: z.string().nullable(),
    status: z.enum(SOURCE_STATUSES),
    error: z.string().nullable(),
    bytes: z.number(),
    chars: z.number(),
    chunkCount: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("KnowledgeSource");
export type SourceDto = z.infer<typeof SourceDto>;

export const SourceListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().max(64).optional(),
  botId: z.string().max(64).optional(),
});

export const SearchInput = z
  .object({
    query: z.string().trim().min(1).max(MAX_QUESTION),
    botId: z.string().max(64).optional(),
    limit: z.number().int().min(1).max(50).default(10),
  })
  .strict()
  .openapi("KnowledgeSearchInput");

export const SearchHitDto = z
  .object({
    sourceId: z.string(),
    externalId: z.string().nullable(),
    title: z.string(),
    url: z.string().nullable(),
    chunkId: z.string(),
    heading: z.string(),
    snippet: z.string(),
    score: z.number(),
    coverage: z.number(),
  })
  .openapi("KnowledgeSearchHit");
export const SearchResultDto = z
  .object({
    data: z.array(SearchHitDto),
    confidence: z.number(),
    /** What the confidence is computed from (calibrate.ts). */
    features: z
      .object({ coverage: z.number(), sentence: z.number(), unknown: z.number(), missing: z.number() })
      .optional(),
    ms: z.number(),
  })
  .openapi("KnowledgeSearchResult");

export const AskInput = z
  .object({
    question: z.string().trim().min(1).max(MAX_QUESTION),
    language: z.string().min(2).max(35).optional(),
    channel: z.enum(["chat", "voice"]).optional(),
    history: z
      .array(z.object({ role: z.enum(["visitor", "ai", "agent"]), text: z.string().max(MAX_QUESTION) }))
      .max(20)
      .optional(),
  })
  .strict()
  .openapi("AskInput");

export const AskResultDto = z
  .object({
    answer: z.string(),
    sources: z.array(
      z.object({ sourceId: z.string(), title: z.string(), url: z.string().nullable(), snippet: z.string() }),
    ),
    confidence: z.number(),
    handoff: z.boolean(),
    failure: z.string().optional(),
    handoffReason: z.literal("asked_for_human").optional(),
    act: z.string().optional(),
    /** True when the bot's answer cache served it (same text, sources and confidence as when built). */
    cached: z.literal(true).optional(),
    /** Words at the heart of the question the knowledge never mentions; the answer said so and offered a person. */
    uncovered: z.array(z.string()).optional(),
    timings: z.object({ retrieveMs: z.number(), generateMs: z.number(), totalMs: z.number() }),
  })
  .openapi("AskResult");

/** The ingest queue message. */
export const INGEST_KIND = "knowledge.ingest";
export const IngestMessage = z.object({
  kind: z.literal(INGEST_KIND),
  tenantId: z.string().min(1),
  sourceId: z.string().min(1),
});
export type IngestMessage = z.infer<typeof IngestMessage>;
