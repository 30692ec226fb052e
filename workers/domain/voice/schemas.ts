import { z } from "@hono/zod-openapi";
import { VOICE_PROVIDERS } from "../../storage/schema/voice";

/** Limits for integration input. */
export const MAX_SECRET = 512;
export const MAX_NAME = 80;

/** E.164 phone number (hand-off destination). */
const Phone = z.string().regex(/^\+[1-9]\d{6,14}$/, "an E.164 number like +14155550100");
const Secret = z.string().min(8).max(MAX_SECRET);

/** The provider's own secret names (issue 8): Vapi `secret`, ElevenLabs `webhookSecret`, Retell `apiKey`, Twilio `authToken`. */
export const VapiSecrets = z.object({ secret: Secret }).strict();
export const ElevenLabsSecrets = z
  .object({
    webhookSecret: Secret,
    /** Static secret the conversation-initiation webhook sends (that webhook has no HMAC); defaults to webhookSecret. */
    initiationSecret: Secret.optional(),
  })
  .strict();
export const RetellSecrets = z.object({ apiKey: Secret }).strict();
export const TwilioSecrets = z.object({ authToken: Secret }).strict();

export const SECRET_SCHEMAS = {
  vapi: VapiSecrets,
  elevenlabs: ElevenLabsSecrets,
  retell: RetellSecrets,
  twilio: TwilioSecrets,
} as const;
export type VoiceSecrets = {
  vapi: z.infer<typeof VapiSecrets>;
  elevenlabs: z.infer<typeof ElevenLabsSecrets>;
  retell: z.infer<typeof RetellSecrets>;
  twilio: z.infer<typeof TwilioSecrets>;
};

/** Non-secret settings, shared by every provider (fields a provider does not use are ignored). */
export const VoiceSettings = z
  .object({
    /** The tenant's human number: callers are transferred here on hand-off. */
    handoffNumber: Phone.optional(),
    /** Spoken when a call starts; defaults to the bot's greeting. */
    firstMessage: z.string().trim().min(1).max(500).optional(),
    /** Vapi: how Vapi authenticates to us. `secret` = X-Vapi-Secret header (default), `bearer` = Authorization: Bearer, `hmac` = HMAC credential. */
    vapiAuth: z.enum(["secret", "bearer", "hmac"]).optional(),
    /** Twilio: a wss:// URL of the tenant's voice agent to bridge the call to (`<Connect><Stream>`); without it, Twilio's own speech recognition and `<Say>` talk to our answerer. */
    streamUrl: z.url({ protocol: /^wss$/ }).max(500).optional(),
    /** Twilio `<Say>` voice and `<Gather>` language. */
    twilioVoice: z.string().max(60).optional(),
    language: z.string().min(2).max(10).optional(),
    /** Frustration (0..1) at which a caller is transferred even if triage policy would wait; unset = triage policy alone. */
    frustrationThreshold: z.number().min(0).max(1).optional(),
    /** Copy recordings the provider links to into R2 (default true). */
    copyRecordings: z.boolean().optional(),
  })
  .strict();
export type VoiceSettings = z.infer<typeof VoiceSettings>;

const base = {
  botId: z.string().min(1).max(64),
  name: z.string().trim().min(1).max(MAX_NAME).optional(),
  settings: VoiceSettings.optional(),
};

export const VoiceIntegrationInput = z
  .discriminatedUnion("provider", [
    z.object({ provider: z.literal("vapi"), secrets: VapiSecrets, ...base }).strict(),
    z.object({ provider: z.literal("elevenlabs"), secrets: ElevenLabsSecrets, ...base }).strict(),
    z.object({ provider: z.literal("retell"), secrets: RetellSecrets, ...base }).strict(),
    z.object({ provider: z.literal("twilio"), secrets: TwilioSecrets, ...base }).strict(),
  ])
  .openapi("VoiceIntegrationInput");
export type VoiceIntegrationInput = z.infer<typeof VoiceIntegrationInput>;

/** A settings patch: a key left out keeps its value, `null` removes it (back to the default). */
const SettingsPatch = z
  .object(
    Object.fromEntries(Object.entries(VoiceSettings.shape).map(([k, v]) => [k, v.unwrap().nullable().optional()])) as {
      [K in keyof typeof VoiceSettings.shape]: z.ZodOptional<
        z.ZodNullable<ReturnType<(typeof VoiceSettings.shape)[K]["unwrap"]>>
      >;
    },
  )
  .strict();

/** PATCH: secrets merge by name (a secret left out keeps its value); settings merge by key (`null` removes one). */
export const VoiceIntegrationPatch = z
  .object({
    botId: z.string().min(1).max(64).optional(),
    name: z.string().trim().min(1).max(MAX_NAME).optional(),
    secrets: z.record(z.string().max(40), Secret).optional(),
    settings: SettingsPatch.optional(),
  })
  .strict()
  .openapi("VoiceIntegrationPatch");
export type VoiceIntegrationPatch = z.infer<typeof VoiceIntegrationPatch>;

export const VoiceIntegrationDto = z
  .object({
    id: z.string(),
    provider: z.enum(VOICE_PROVIDERS),
    botId: z.string(),
    name: z.string(),
    /** The provider's webhook (server URL, voice URL) to paste into its console; only for `voice:write`. */
    webhookUrl: z.string().optional(),
    /**
     * Every URL the provider needs: webhook, custom LLM base URL, Retell LLM WebSocket, Twilio status
     * callback. Only for roles with `voice:write`: the custom-LLM URLs carry the capability token.
     */
    urls: z.record(z.string(), z.string()).optional(),
    /** When the current capability token was issued (rotate to replace it); null: none yet, or none needed. */
    llmTokenIssuedAt: z.string().nullable(),
    /** Never the secrets: their last four characters. */
    secretHints: z.record(z.string(), z.string()),
    settings: VoiceSettings,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("VoiceIntegration");
export type VoiceIntegrationDto = z.infer<typeof VoiceIntegrationDto>;
