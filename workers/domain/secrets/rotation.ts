import { and, asc, eq, gt, notLike, or } from "drizzle-orm";
import type { Log } from "../../lib/log";
import type { Db } from "../../storage/db";
import { bots, tenantSecrets, voiceIntegrations, whatsappChannels } from "../../storage/schema";
import { decryptSecret, encryptSecret, isStale, type MasterKeys } from "./crypto";

/**
 * MASTER_KEY rotation. Every sealed value carries the version of the key that sealed it (`v2.…`).
 * After a rotation (MASTER_KEY = new key, MASTER_KEY_VERSION raised, MASTER_KEY_PREVIOUS and
 * MASTER_KEY_PREVIOUS_VERSION = the old pair) old values still open with the previous key and are
 * re-sealed under the current one: on read (`openAndRenew`, used by every reader of a sealed column)
 * and by `resealStaleSecrets`, the scheduled job that walks all three sealed columns. Once the job
 * reports `remaining: 0` the previous key can be dropped.
 *
 * The sealed columns: bots.secret_ciphertext (identity-verification secrets), tenant_secrets.ciphertext
 * (provider keys such as OpenAI), voice_integrations.secrets_ciphertext (voice provider secrets).
 */
export type SealedColumn = "bots" | "tenant_secrets" | "voice_integrations" | "whatsapp_channels";

export type RotationDeps = { db: Db; keys: MasterKeys; log?: Log };

/** Opens `sealed`; when it is under an older key, stores it re-sealed under the current one. A
 *  failed write-back is logged, never fatal: the next read or the job tries again. */
export async function openAndRenew(
  deps: RotationDeps,
  tenantId: string,
  sealed: string,
  store: (next: string) => Promise<unknown>,
): Promise<string> {
  const plaintext = await decryptSecret(deps.keys, tenantId, sealed);
  if (isStale(deps.keys, sealed)) {
    try {
      await store(await encryptSecret(deps.keys, tenantId, plaintext));
    } catch (err) {
      deps.log?.warn("secret re-seal failed", { tenantId, error: String(err) });
    }
  }
  return plaintext;
}

/* Compare-and-set writers: a row is replaced only if it still holds the ciphertext that was read,
   so a concurrent update (a new secret saved meanwhile) is never overwritten with an old one. */

export const renewBotSecret = (db: Db, botId: string, old: string) => (next: string) =>
  db
    .update(bots)
    .set({ secretCiphertext: next })
    .where(and(eq(bots.id, botId), eq(bots.secretCiphertext, old)));

export const renewTenantSecret = (db: Db, tenantId: string, name: string, old: string) => (next: string) =>
  db
    .update(tenantSecrets)
    .set({ ciphertext: next })
    .where(and(eq(tenantSecrets.tenantId, tenantId), eq(tenantSecrets.name, name), eq(tenantSecrets.ciphertext, old)));

export const renewVoiceLlmToken = (db: Db, integrationId: string, old: string) => (next: string) =>
  db
    .update(voiceIntegrations)
    .set({ llmTokenCiphertext: next })
    .where(and(eq(voiceIntegrations.id, integrationId), eq(voiceIntegrations.llmTokenCiphertext, old)));

export const renewVoiceSecrets = (db: Db, integrationId: string, old: string) => (next: string) =>
  db
    .update(voiceIntegrations)
    .set({ secretsCiphertext: next })
    .where(and(eq(voiceIntegrations.id, integrationId), eq(voiceIntegrations.secretsCiphertext, old)));

export const renewWhatsAppSecrets = (db: Db, channelId: string, old: string) => (next: string) =>
  db
    .update(whatsappChannels)
    .set({ secretsCiphertext: next })
    .where(and(eq(whatsappChannels.id, channelId), eq(whatsappChannels.secretsCiphertext, old)));

type Candidate = { key: string; tenantId: string; sealed: string; store: (next: string) => Promise<unknown> };
type Lister = (db: Db, notCurrent: string, after: string, limit: number) => Promise<Candidate[]>;

const LISTERS: Record<SealedColumn, Lister> = {
  bots: async (db, notCurrent, after, limit) =>
    (
      await db
        .select({ id: bots.id, tenantId: bots.tenantId, sealed: bots.secretCiphertext })
        .from(bots)
        .where(and(notLike(bots.secretCiphertext, notCurrent), gt(bots.id, after)))
        .orderBy(asc(bots.id))
        .limit(limit)
    ).map((r) => ({ key: r.id, tenantId: r.tenantId, sealed: r.sealed, store: renewBotSecret(db, r.id, r.sealed) })),
  tenant_secrets: async (db, notCurrent, after, limit) => {
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
      store: renewTenantSecret(db, r.tenantId, r.name, r.sealed),
    }));
  },
  voice_integrations: async (db, notCurrent, after, limit) =>
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
      store: renewVoiceSecrets(db, r.id, r.sealed),
    })),
  whatsapp_channels: async (db, notCurrent, after, limit) =>
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
      store: renewWhatsAppSecrets(db, r.id, r.sealed),
    })),
};

export type ResealReport = {
  version: number;
  resealed: Record<SealedColumn, number>;
  /** Values no configured key opens (sealed under a version older than MASTER_KEY_PREVIOUS, or corrupt). */
  unreadable: Record<SealedColumn, number>;
  /** Stale values left for the next run because this run hit its row budget. */
  remaining: number;
};

/**
 * The one-off job after a rotation (run by the Worker's cron trigger; locally through
 * `wrangler dev --test-scheduled` → /__scheduled): re-seals every value not under the current key,
 * in pages of `batch` rows, at most `budget` rows per column per run.
 */
export async function resealStaleSecrets(
  deps: RotationDeps,
  { batch = 100, budget = 5000 }: { batch?: number; budget?: number } = {},
): Promise<ResealReport> {
  const notCurrent = `v${deps.keys.current.version}.%`;
  const report: ResealReport = {
    version: deps.keys.current.version,
    resealed: { bots: 0, tenant_secrets: 0, voice_integrations: 0, whatsapp_channels: 0 },
    unreadable: { bots: 0, tenant_secrets: 0, voice_integrations: 0, whatsapp_channels: 0 },
    remaining: 0,
  };
  for (const column of Object.keys(LISTERS) as SealedColumn[]) {
    let after = "";
    let seen = 0;
    for (;;) {
      if (seen >= budget) {
        report.remaining += (await LISTERS[column](deps.db, notCurrent, after, budget)).length;
        break;
      }
      const want = Math.min(batch, budget - seen);
      const page = await LISTERS[column](deps.db, notCurrent, after, want);
      for (const c of page) {
        try {
          const plaintext = await decryptSecret(deps.keys, c.tenantId, c.sealed);
          await c.store(await encryptSecret(deps.keys, c.tenantId, plaintext));
          report.resealed[column]++;
        } catch (err) {
          report.unreadable[column]++;
          deps.log?.warn("secret cannot be re-sealed", { column, tenantId: c.tenantId, error: String(err) });
        }
      }
      seen += page.length;
      if (page.length < want) break;
      after = page[page.length - 1]!.key;
    }
  }
  deps.log?.info("secrets.reseal", report);
  return report;
}
