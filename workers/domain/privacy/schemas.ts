import { z } from "@hono/zod-openapi";

/** Exactly one way to find the visitor: email, phone, verified user id or one conversation. */
export const PrivacySubject = z
  .object({
    email: z.string().trim().email().max(254).optional(),
    phone: z.string().trim().min(3).max(40).optional(),
    userId: z.string().min(1).max(200).optional(),
    conversationId: z.string().startsWith("conv_").max(64).optional(),
  })
  .strict()
  .refine((s) => Object.values(s).filter((v) => v !== undefined).length === 1, {
    message: "give exactly one of email, phone, userId, conversationId",
  })
  .openapi("PrivacySubject");
export type PrivacySubject = z.infer<typeof PrivacySubject>;

/** Longest retention accepted: ten years. */
export const MAX_RETENTION_DAYS = 3650;

export const PrivacySettingsInput = z
  .object({
    conversationRetentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable(),
    /** Omitted: unchanged. Recordings go sooner than their calls when this is shorter. */
    recordingRetentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable().optional(),
  })
  .strict()
  .openapi("PrivacySettingsInput");
export type PrivacySettingsInput = z.infer<typeof PrivacySettingsInput>;

export const PrivacySettingsDto = z.object({
  conversationRetentionDays: z.number().int().nullable(),
  recordingRetentionDays: z.number().int().nullable(),
  updatedAt: z.string().nullable(),
});

export const ErasedCounts = z.object({
  conversations: z.number().int(),
  messages: z.number().int(),
  tickets: z.number().int(),
  calls: z.number().int(),
  files: z.number().int(),
  rooms: z.number().int(),
});
export type ErasedCounts = z.infer<typeof ErasedCounts>;
