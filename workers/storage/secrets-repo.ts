import { and, asc, eq, gt, notLike, or } from "drizzle-orm";
import type { Db } from "./db";
import { bots, tenantSecrets, voiceIntegrations, whatsappChannels } from "./schema";

/** The three columns that hold values sealed under MASTER_KEY (domain/secrets/rotation.ts). */
export type SealedColumn = "bots" | "tenant_secrets" | "voice_integrations" | "whatsapp_channels";

/** A sealed value found by `listStale`, with the compare-and-set write that replaces it. */
export type SealedCandidate = {
  key: string;
  tenantId: string;
  sealed: string;
  store: (next: string) => Promise<unknown>;
};

/**
 * Reads and compare-and-set writers of the sealed columns. A writer replaces a row only if it still
 * holds the ciphertext that was read, so a concurrent update (a new secret saved meanwhile) is never
 * overwritten with an old one.
 */
export const sealedSecretsRepo = (db: Db) => {
  const renewBot = (botId: string, old: string) => (next: string) =>
    db
      .update(bots)
      .set({ secretCiphertext: next })
      .where(and(eq(bots.id, botId), eq(bots.secretCiphertext, old)));
  const renewTenant = (tenantId: string, name: string, old: string) => (next: string) =>
    db
      .update(tenantSecrets)
      .set({ ciphertext: next })
      .where(
        and(eq(tenantSecrets.tenantId, tenantId), eq(tenantSecrets.name, name), eq(tenantSecrets.ciphertext, old)),
      );
  const renewVoiceLlmToken = (integrationId: string, old: string) => (next: string) =>
    db
      .update(voiceIntegrations)
      .set({ llmTokenCiphertext: next })
      .where(and(eq(voiceIntegrations.id, integrationId), eq(voiceIntegrations.llmTokenCiphertext, old)));
  const renewWhatsAppSecrets = (channelId: string, old: string) => (next: string) =>
    db
      .update(whatsappChannels)
      .set({ secretsCiphertext: next })
      .where(and(eq(whatsappChannels.id, channelId), eq(whatsappChannels.secretsCiphertext, old)));
  const renewVoiceSecrets = (integrationId: string, old: string) => (next: string) =>
    db
      .update(voiceIntegrations)
      .set({ secretsCiphertext: next })
      .where(and(eq(voiceIntegrations.id, integrationId), eq(voiceIntegrations.secretsCiphertext, old)));

  const listers: Record<
    SealedColumn,
    (notCurrent: string, after: string, limit: number) => Promise<SealedCandidate[]>
  > = {
    bots: async (notCurrent, after, limit) =>
      (
        await db
          .select({ id: bots.id, tenantId: bots.tenantId, sealed: bots.secretCiphertext })
          .from(bots)
          .where(and(notLike(bots.secretCiphertext, notCurrent), gt(bots.id, after)))
          .orderBy(asc(bots.id))
          .limit(limit)
      ).map((r) => ({ key: r.id, tenantId: r.tenantId, sealed: r.sealed, store: renewBot(r.id, r.sealed) })),
    tenant_secrets: async (notCurrent, after, limit) => {
      // keyset over the (tenant_id, name) primary key; the cursor is "tenantId\u0000name"
      const [t = "", n = ""] = after.split("\u0000");
      const rows = await db
        .select({ tenantId: tenantSecrets.tenantId, name: tenantSecrets.name, sealed: tenantSecrets.ciphertext })
        .from(tenantSecrets)
        .where(
          and(
            notLike(tenantSecrets.ciphertext, notCurrent),
            or(gt(tenantSecrets.tenantId, t), and(eq(tenantSecrets.tenantId, t), gt(tenantSecrets.name, n))),
          ),
        )
        .orderBy(asc(tenantSecrets.tenantId), asc(tenantSecrets.name))
        .limit(limit);
      return rows.map((r) => ({
        key: `${r.tenantId}\u0000${r.name}`,
        tenantId: r.tenantId,
        sealed: r.sealed,
        store: renewTenant(r.tenantId, r.name, r.sealed),
      }));
    },
    voice_integrations: async (notCurrent, after, limit) =>
      (
        await db
          .select({
            id: voiceIntegrations.id,
            tenantId: voiceIntegrations.tenantId,
            sealed: voiceIntegrations.secretsCiphertext,
          })
          .from(voiceIntegrations)
          .where(and(notLike(voiceIntegrations.secretsCiphertext, notCurrent), gt(voiceIntegrations.id, after)))
          .orderBy(asc(voiceIntegrations.id))
          .limit(limit)
      ).map((r) => ({
        key: r.id,
        tenantId: r.tenantId,
        sealed: r.sealed,
        store: renewVoiceSecrets(r.id, r.sealed),
      })),
    whatsapp_channels: async (notCurrent, after, limit) =>
      (
        await db
          .select({
            id: whatsappChannels.id,
            tenantId: whatsappChannels.tenantId,
            sealed: whatsappChannels.secretsCiphertext,
          })
          .from(whatsappChannels)
          .where(and(notLike(whatsappChannels.secretsCiphertext, notCurrent), gt(whatsappChannels.id, after)))
          .orderBy(asc(whatsappChannels.id))
          .limit(limit)
      ).map((r) => ({
        key: r.id,
        tenantId: r.tenantId,
        sealed: r.sealed,
        store: renewWhatsAppSecrets(r.id, r.sealed),
      })),
  };

  return {
    renewBot,
    renewTenant,
    renewVoiceLlmToken,
    renewVoiceSecrets,
    /** Values of `column` not sealed under the current key (`notCurrent` is a LIKE pattern), keyset-paged after `after`. */
    listStale: (column: SealedColumn, notCurrent: string, after: string, limit: number) =>
      listers[column](notCurrent, after, limit),
  };
};
