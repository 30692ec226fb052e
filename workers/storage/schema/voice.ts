import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const VOICE_PROVIDERS = ["vapi", "elevenlabs", "retell", "twilio"] as const;
export type VoiceProvider = (typeof VOICE_PROVIDERS)[number];

/** Call states as the conversation room holds them. */
export const CALL_STATES = ["ringing", "in_progress", "transferred", "ended"] as const;
export type CallState = (typeof CALL_STATES)[number];

/** Non-secret per-integration settings (validated by domain/voice/schemas.ts VoiceSettings). */
export type VoiceSettingsJson = Record<string, unknown>;

/**
 * One provider connection of a tenant. The provider's secrets are one AES-GCM ciphertext of a JSON
 * object under the tenant key (domain/secrets/crypto.ts); only `secret_hints` ever leave the server.
 */
export const voiceIntegrations = sqliteTable(
  "voice_integrations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    provider: text("provider").$type<VoiceProvider>().notNull(),
    botId: text("bot_id").notNull(),
    name: text("name").notNull(),
    secretsCiphertext: text("secrets_ciphertext").notNull(),
    secretHints: text("secret_hints", { mode: "json" }).$type<Record<string, string>>().notNull(),
    settings: text("settings", { mode: "json" }).$type<VoiceSettingsJson>().notNull(),
    /**
     * The custom-LLM capability token (domain/voice/tokens.ts): requests are checked against its
     * SHA-256 hex; the token is kept only sealed under the tenant key, for building URLs. Null: none
     * issued yet (rows from before migration 0007).
     */
    llmTokenHash: text("llm_token_hash"),
    llmTokenCiphertext: text("llm_token_ciphertext"),
    llmTokenIssuedAt: integer("llm_token_issued_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  // listing a tenant's integrations
  (t) => [index("voice_integrations_tenant_idx").on(t.tenantId, t.createdAt)],
);

/** A provider's call id mapped to the conversation that records it, with the call's outcome. */
export const voiceCalls = sqliteTable(
  "voice_calls",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    integrationId: text("integration_id").notNull(),
    provider: text("provider").$type<VoiceProvider>().notNull(),
    providerCallId: text("provider_call_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    botId: text("bot_id").notNull(),
    state: text("state").$type<CallState>().notNull(),
    fromNumber: text("from_number"),
    toNumber: text("to_number"),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    endedAt: integer("ended_at", { mode: "timestamp_ms" }),
    durationSec: real("duration_sec"),
    /** Provider-reported cost, in `costCurrency` (Vapi: USD; ElevenLabs: credits). */
    cost: real("cost"),
    costCurrency: text("cost_currency"),
    summary: text("summary"),
    endedReason: text("ended_reason"),
    /** R2 key of the copied recording. */
    recordingKey: text("recording_key"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // every webhook resolves its provider call id to the conversation
    uniqueIndex("voice_calls_provider_uq").on(t.tenantId, t.integrationId, t.providerCallId),
    // the call of a conversation (dashboard call panel)
    index("voice_calls_conversation_idx").on(t.tenantId, t.conversationId),
    // GET /api/calls: a tenant's calls newest first, from/to on the creation time, cursor (created_at, id)
    index("voice_calls_tenant_created_idx").on(t.tenantId, t.createdAt, t.id),
  ],
);

/**
 * Webhook deliveries already processed, for replay protection. The first insert of an
 * (integration, event id) pair wins; `response` keeps the answer of request/response events
 * (Vapi assistant-request, tool-calls) so a provider retry gets the same answer and changes nothing.
 */
export const voiceEvents = sqliteTable(
  "voice_events",
  {
    tenantId: text("tenant_id").notNull(),
    integrationId: text("integration_id").notNull(),
    eventId: text("event_id").notNull(),
    id: text("id").notNull(),
    kind: text("kind").notNull(),
    response: text("response"),
    receivedAt: integer("received_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // replay check: one row per delivered event
    primaryKey({ columns: [t.tenantId, t.integrationId, t.eventId] }),
    // pruning old events
    index("voice_events_received_idx").on(t.tenantId, t.receivedAt),
  ],
);

export type VoiceIntegrationRow = typeof voiceIntegrations.$inferSelect;
export type NewVoiceIntegrationRow = typeof voiceIntegrations.$inferInsert;
export type VoiceCallRow = typeof voiceCalls.$inferSelect;
export type NewVoiceCallRow = typeof voiceCalls.$inferInsert;
export type VoiceEventRow = typeof voiceEvents.$inferSelect;
