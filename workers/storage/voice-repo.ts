import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "./db";
import {
  type NewVoiceCallRow,
  type NewVoiceIntegrationRow,
  type VoiceCallRow,
  voiceCalls,
  voiceEvents,
  voiceIntegrations,
} from "./schema";

/** Voice integrations of a tenant. Every method takes the tenant first, in the same WHERE as the id. */
export const voiceIntegrationsRepo = (db: Db) => ({
  get: (tenantId: string, id: string) =>
    db
      .select()
      .from(voiceIntegrations)
      .where(and(eq(voiceIntegrations.tenantId, tenantId), eq(voiceIntegrations.id, id)))
      .get(),
  /**
   * The webhook's only lookup: by the integration id in its URL, across tenants (the id names its
   * tenant, like a pk_ key). The caller must then authenticate the request with the row's secrets.
   */
  byIdForHook: (id: string) => db.select().from(voiceIntegrations).where(eq(voiceIntegrations.id, id)).get(),
  list: (tenantId: string) =>
    db
      .select()
      .from(voiceIntegrations)
      .where(eq(voiceIntegrations.tenantId, tenantId))
      .orderBy(voiceIntegrations.createdAt)
      .all(),
  insert: (row: NewVoiceIntegrationRow) => db.insert(voiceIntegrations).values(row).returning().get(),
  update: (tenantId: string, id: string, patch: Partial<NewVoiceIntegrationRow>) =>
    db
      .update(voiceIntegrations)
      .set(patch)
      .where(and(eq(voiceIntegrations.tenantId, tenantId), eq(voiceIntegrations.id, id)))
      .returning()
      .get(),
  /**
   * Stores a new capability token (rotation). With `onlyIfUnset` it writes only when the row has
   * none yet, so two first reads racing issue one token: the loser gets undefined and reads again.
   */
  setLlmToken: (
    tenantId: string,
    id: string,
    cols: { llmTokenHash: string; llmTokenCiphertext: string; llmTokenIssuedAt: Date; updatedAt?: Date },
    onlyIfUnset = false,
  ) =>
    db
      .update(voiceIntegrations)
      .set(cols)
      .where(
        and(
          eq(voiceIntegrations.tenantId, tenantId),
          eq(voiceIntegrations.id, id),
          onlyIfUnset ? isNull(voiceIntegrations.llmTokenHash) : undefined,
        ),
      )
      .returning()
      .get(),
  delete: (tenantId: string, id: string) =>
    db
      .delete(voiceIntegrations)
      .where(and(eq(voiceIntegrations.tenantId, tenantId), eq(voiceIntegrations.id, id)))
      .returning()
      .get(),
});

/** Provider call ids mapped to conversations. */
export const voiceCallsRepo = (db: Db) => ({
  byProviderCallId: (tenantId: string, integrationId: string, providerCallId: string) =>
    db
      .select()
      .from(voiceCalls)
      .where(
        and(
          eq(voiceCalls.tenantId, tenantId),
          eq(voiceCalls.integrationId, integrationId),
          eq(voiceCalls.providerCallId, providerCallId),
        ),
      )
      .get(),
  byConversation: (tenantId: string, conversationId: string) =>
    db
      .select()
      .from(voiceCalls)
      .where(and(eq(voiceCalls.tenantId, tenantId), eq(voiceCalls.conversationId, conversationId)))
      .orderBy(desc(voiceCalls.createdAt))
      .get(),
  /** Inserts unless the provider call is already mapped; returns the row that won (ours or the earlier one). */
  insertOrGet: async (row: NewVoiceCallRow): Promise<{ row: VoiceCallRow; created: boolean }> => {
    const inserted = await db.insert(voiceCalls).values(row).onConflictDoNothing().returning().get();
    if (inserted) return { row: inserted, created: true };
    const existing = await db
      .select()
      .from(voiceCalls)
      .where(
        and(
          eq(voiceCalls.tenantId, row.tenantId),
          eq(voiceCalls.integrationId, row.integrationId),
          eq(voiceCalls.providerCallId, row.providerCallId),
        ),
      )
      .get();
    if (!existing) throw new Error("voice call insert conflicted but no row was found");
    return { row: existing, created: false };
  },
  update: (tenantId: string, id: string, patch: Partial<NewVoiceCallRow>) =>
    db
      .update(voiceCalls)
      .set(patch)
      .where(and(eq(voiceCalls.tenantId, tenantId), eq(voiceCalls.id, id)))
      .returning()
      .get(),
});

/** Replay protection: the first delivery of an event id claims it. */
export const voiceEventsRepo = (db: Db) => ({
  /** True when this delivery is the first with this id; false for a replay. */
  claim: async (row: {
    tenantId: string;
    integrationId: string;
    eventId: string;
    id: string;
    kind: string;
    receivedAt: Date;
  }) =>
    (await db.insert(voiceEvents).values(row).onConflictDoNothing().returning({ id: voiceEvents.id }).get()) !==
    undefined,
  get: (tenantId: string, integrationId: string, eventId: string) =>
    db
      .select()
      .from(voiceEvents)
      .where(
        and(
          eq(voiceEvents.tenantId, tenantId),
          eq(voiceEvents.integrationId, integrationId),
          eq(voiceEvents.eventId, eventId),
        ),
      )
      .get(),
  setResponse: (tenantId: string, integrationId: string, eventId: string, response: string) =>
    db
      .update(voiceEvents)
      .set({ response })
      .where(
        and(
          eq(voiceEvents.tenantId, tenantId),
          eq(voiceEvents.integrationId, integrationId),
          eq(voiceEvents.eventId, eventId),
        ),
      ),
  /** Releases a claim when processing failed before anything was stored, so the provider's retry is processed. */
  release: (tenantId: string, integrationId: string, eventId: string) =>
    db
      .delete(voiceEvents)
      .where(
        and(
          eq(voiceEvents.tenantId, tenantId),
          eq(voiceEvents.integrationId, integrationId),
          eq(voiceEvents.eventId, eventId),
        ),
      ),
  count: async (tenantId: string, integrationId: string) =>
    (
      await db
        .select({ id: voiceEvents.id })
        .from(voiceEvents)
        .where(and(eq(voiceEvents.tenantId, tenantId), eq(voiceEvents.integrationId, integrationId)))
        .all()
    ).length,
});
