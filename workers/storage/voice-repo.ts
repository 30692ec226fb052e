import { and, desc, eq, gte, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "./db";
import {
  type CallState,
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

/** Filters of the calls list (GET /api/calls); every one optional, all AND-ed. */
export type CallFilter = {
  fromMs?: number;
  toMs?: number;
  state?: CallState;
  provider?: string;
  integrationId?: string;
  botId?: string;
  /** `handed_off` (the call went to a person) or an ended reason as the provider reported it. */
  outcome?: string;
  minDurationSec?: number;
  maxDurationSec?: number;
  /** An FTS5 MATCH expression over message bodies (storage/message-search.ts `messageMatch`). */
  textMatch?: string;
  after?: { createdAt: number; id: string };
  limit: number;
};

/** Calls of one bot or one month, with their minutes and cost per currency (analytics). */
export type CallCostRow = { key: string; currency: string | null; calls: number; seconds: number; cost: number };

/** Provider call ids mapped to conversations. */
export const voiceCallsRepo = (db: Db) => ({
  get: (tenantId: string, id: string) =>
    db
      .select()
      .from(voiceCalls)
      .where(and(eq(voiceCalls.tenantId, tenantId), eq(voiceCalls.id, id)))
      .get(),
  /** Newest first, keyset-paged on (created_at, id) by voice_calls_tenant_created_idx. */
  list: (tenantId: string, f: CallFilter) => {
    const where: (SQL | undefined)[] = [eq(voiceCalls.tenantId, tenantId)];
    if (f.fromMs !== undefined) where.push(gte(voiceCalls.createdAt, new Date(f.fromMs)));
    if (f.toMs !== undefined) where.push(lt(voiceCalls.createdAt, new Date(f.toMs)));
    if (f.state) where.push(eq(voiceCalls.state, f.state));
    if (f.provider) where.push(eq(voiceCalls.provider, f.provider as VoiceCallRow["provider"]));
    if (f.integrationId) where.push(eq(voiceCalls.integrationId, f.integrationId));
    if (f.botId) where.push(eq(voiceCalls.botId, f.botId));
    if (f.outcome === "handed_off") where.push(eq(voiceCalls.state, "transferred"));
    else if (f.outcome) where.push(eq(voiceCalls.endedReason, f.outcome));
    if (f.minDurationSec !== undefined) where.push(gte(voiceCalls.durationSec, f.minDurationSec));
    if (f.maxDurationSec !== undefined) where.push(lte(voiceCalls.durationSec, f.maxDurationSec));
    if (f.textMatch)
      where.push(
        sql`${voiceCalls.conversationId} IN (SELECT conversation_id FROM messages_fts WHERE messages_fts MATCH ${f.textMatch})`,
      );
    if (f.after) {
      const at = new Date(f.after.createdAt);
      where.push(or(lt(voiceCalls.createdAt, at), and(eq(voiceCalls.createdAt, at), lt(voiceCalls.id, f.after.id))));
    }
    return db
      .select()
      .from(voiceCalls)
      .where(and(...where))
      .orderBy(desc(voiceCalls.createdAt), desc(voiceCalls.id))
      .limit(f.limit)
      .all();
  },
  /**
   * Calls, seconds and cost per currency grouped by bot (`by: "bot"`) or by UTC month (`YYYY-MM`),
   * for calls created in [fromMs, toMs).
   */
  costs: (tenantId: string, input: { fromMs: number; toMs: number; by: "bot" | "month"; botId?: string }) => {
    const key =
      input.by === "bot"
        ? sql<string>`${voiceCalls.botId}`
        : sql<string>`strftime('%Y-%m', ${voiceCalls.createdAt} / 1000, 'unixepoch')`;
    return db
      .select({
        key,
        currency: voiceCalls.costCurrency,
        calls: sql<number>`count(*)`,
        seconds: sql<number>`coalesce(sum(${voiceCalls.durationSec}), 0)`,
        cost: sql<number>`coalesce(sum(${voiceCalls.cost}), 0)`,
      })
      .from(voiceCalls)
      .where(
        and(
          eq(voiceCalls.tenantId, tenantId),
          gte(voiceCalls.createdAt, new Date(input.fromMs)),
          lt(voiceCalls.createdAt, new Date(input.toMs)),
          input.botId ? eq(voiceCalls.botId, input.botId) : undefined,
        ),
      )
      .groupBy(key, voiceCalls.costCurrency)
      .orderBy(key)
      .all() as Promise<CallCostRow[]>;
  },
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
