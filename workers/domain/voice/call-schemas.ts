import { z } from "@hono/zod-openapi";
import { CALL_STATES, VOICE_PROVIDERS } from "../../storage/schema/voice";

/** Calls list page size (GET /api/calls). */
export const CALLS_PAGE_DEFAULT = 50;
export const CALLS_PAGE_MAX = 200;
/** Lines of a call's transcript returned by GET /api/calls/:id (a long call is a few hundred). */
export const CALL_TRANSCRIPT_MAX = 2000;
/** Lifetime of a recording URL minted for the browser's <audio> element, which cannot send a bearer token. */
export const RECORDING_URL_TTL_SECONDS = 10 * 60;

/** `YYYY-MM-DD` (a whole UTC day, inclusive) or an ISO 8601 date-time. */
const DateParam = z
  .string()
  .max(40)
  .refine(
    (v) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(v) && !Number.isNaN(Date.parse(v)),
    "a date (YYYY-MM-DD) or ISO time",
  );

export const CallListQuery = z
  .object({
    from: DateParam.optional().openapi({ description: "calls started on or after (YYYY-MM-DD, UTC, or ISO time)" }),
    to: DateParam.optional().openapi({ description: "calls started on or before (a whole day when YYYY-MM-DD)" }),
    status: z.enum(CALL_STATES).optional(),
    provider: z.enum(VOICE_PROVIDERS).optional(),
    integrationId: z.string().min(1).max(64).optional().openapi({ description: "the line (voice integration)" }),
    botId: z.string().min(1).max(64).optional(),
    outcome: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: "`handed_off`, or an ended reason as the provider reported it" }),
    minDuration: z.coerce.number().min(0).max(86_400).optional().openapi({ description: "seconds" }),
    maxDuration: z.coerce.number().min(0).max(86_400).optional().openapi({ description: "seconds" }),
    q: z.string().trim().min(1).max(200).optional().openapi({ description: "words in the call's transcript" }),
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(CALLS_PAGE_MAX).default(CALLS_PAGE_DEFAULT),
  })
  .strict();
export type CallListQuery = z.infer<typeof CallListQuery>;

export const CallDto = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    provider: z.enum(VOICE_PROVIDERS),
    integrationId: z.string(),
    botId: z.string(),
    status: z.enum(CALL_STATES),
    from: z.string().nullable(),
    to: z.string().nullable(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    durationS: z.number().nullable(),
    cost: z.number().nullable(),
    costCurrency: z.string().nullable(),
    endedReason: z.string().nullable(),
    outcome: z.string().nullable().openapi({ description: "`handed_off`, else the ended reason" }),
    hasRecording: z.boolean(),
  })
  .openapi("Call");
export type CallDto = z.infer<typeof CallDto>;

export const CallLine = z.object({
  id: z.string(),
  seq: z.number(),
  role: z.enum(["visitor", "ai", "agent", "system"]),
  text: z.string(),
  at: z.string().openapi({ description: "when it was spoken (the provider's time for lines from its report)" }),
  fromReport: z.boolean().openapi({ description: "added from the end-of-call report (no live webhook carried it)" }),
});
export type CallLine = z.infer<typeof CallLine>;

export const CallDetailDto = CallDto.extend({
  summary: z.string().nullable(),
  handoff: z
    .object({ reason: z.string().nullable(), to: z.string().nullable() })
    .nullable()
    .openapi({ description: "set when the call went to a person" }),
  transcript: z.array(CallLine),
  recordingUrl: z
    .string()
    .nullable()
    .openapi({ description: "a short-lived URL the browser's audio element can play (Range requests honoured)" }),
}).openapi("CallDetail");
export type CallDetailDto = z.infer<typeof CallDetailDto>;
