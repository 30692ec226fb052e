import { z } from "@hono/zod-openapi";

export const MAX_INSTRUCTIONS = 4000;
export const MAX_ORIGINS = 20;

const Color = z.string().regex(/^#[0-9a-fA-F]{6}$/, "a colour like #1f6feb");
/** An origin is scheme://host[:port] with nothing after it; "*" is not accepted (leave the list empty instead). */
export const Origin = z
  .string()
  .max(200)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "https:" || u.protocol === "http:") && u.origin === s.replace(/\/$/, "");
    } catch {
      return false;
    }
  }, "an origin like https://example.com")
  .transform((s) => s.replace(/\/$/, ""));

export const BotTheme = z.object({
  primaryColor: Color,
  textColor: Color,
  position: z.enum(["bottom-right", "bottom-left"]),
  logoUrl: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .nullable(),
  mode: z.enum(["auto", "light", "dark"]),
});

export const BotSettings = z.object({
  confidenceThreshold: z.number().min(0).max(1),
  answerLength: z.enum(["short", "medium", "long"]),
  language: z.string().min(2).max(10),
});

export const DEFAULT_THEME: z.infer<typeof BotTheme> = {
  primaryColor: "#4f46e5",
  textColor: "#ffffff",
  position: "bottom-right",
  logoUrl: null,
  mode: "auto",
};
export const DEFAULT_SETTINGS: z.infer<typeof BotSettings> = {
  confidenceThreshold: 0.35,
  answerLength: "medium",
  language: "auto",
};

/** A BCP-47 tag: "fr", "fr-FR", "pt-BR", "zh-Hant". */
const LanguageTag = z
  .string()
  .regex(/^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8}){0,2}$/, 'a language tag like "fr" or "fr-FR"');
const Rule = z.string().trim().min(1).max(300);
export const MAX_PERSONA_RULES = 20;

/**
 * A bot's persona (issue 19). Every field is optional; a PATCH replaces the persona as a whole
 * (send `null` to remove it). Size-limited so a prompt stays within small models' context windows.
 */
export const BotPersona = z
  .object({
    name: z.string().trim().min(1).max(80).optional(),
    role: z.string().trim().min(1).max(200).optional(),
    tone: z.enum(["neutral", "friendly", "formal"]).optional(),
    language: LanguageTag.optional(),
    languages: z.array(LanguageTag).max(10).optional(),
    instructions: z.string().max(MAX_INSTRUCTIONS).optional(),
    styleRules: z.array(Rule).max(MAX_PERSONA_RULES).optional(),
    never: z.array(Rule).max(MAX_PERSONA_RULES).optional(),
    greeting: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .openapi("BotPersona");
export type BotPersona = z.infer<typeof BotPersona>;

export const BotAvatar = z.object({ enabled: z.boolean() }).strict().openapi("BotAvatar");
/** The avatar as read back: whether it is on, and the 3D model uploaded for it (null: the 2D face). */
export const BotAvatarDto = z
  .object({
    enabled: z.boolean(),
    model: z
      .object({
        sha256: z.string(),
        bytes: z.number().int(),
        name: z.string(),
        uploadedAt: z.string(),
        clips: z.array(z.string()),
        morphs: z.array(z.string()),
      })
      .nullable(),
  })
  .openapi("BotAvatarDto");

export const BotInput = z
  .object({
    name: z.string().trim().min(1).max(80),
    instructions: z.string().max(MAX_INSTRUCTIONS).optional(),
    greeting: z.string().trim().min(1).max(500).optional(),
    theme: BotTheme.partial().strict().optional(),
    settings: BotSettings.partial().strict().optional(),
    allowedOrigins: z.array(Origin).max(MAX_ORIGINS).optional(),
    persona: BotPersona.nullable().optional(),
    avatar: BotAvatar.optional(),
  })
  .strict()
  .openapi("BotInput");
export type BotInput = z.infer<typeof BotInput>;

export const BotPatch = BotInput.partial().strict().openapi("BotPatch");
export type BotPatch = z.infer<typeof BotPatch>;

export const BotDto = z
  .object({
    id: z.string(),
    name: z.string(),
    instructions: z.string(),
    greeting: z.string(),
    theme: BotTheme,
    settings: BotSettings,
    allowedOrigins: z.array(z.string()),
    persona: BotPersona.nullable(),
    avatar: BotAvatarDto,
    publishableKey: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Bot");
export type BotDto = z.infer<typeof BotDto>;
