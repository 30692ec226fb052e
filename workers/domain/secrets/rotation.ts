import type { Log } from "../../lib/log";
import type { Repos } from "../../storage/repos";
import type { SealedColumn } from "../../storage/secrets-repo";
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
export type { SealedColumn };

export type RotationDeps = { repos: Pick<Repos, "sealedSecrets">; keys: MasterKeys; log?: Log };

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

const SEALED_COLUMNS: SealedColumn[] = ["bots", "tenant_secrets", "voice_integrations", "whatsapp_channels"];

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
  for (const column of SEALED_COLUMNS) {
    let after = "";
    let seen = 0;
    for (;;) {
      if (seen >= budget) {
        report.remaining += (await deps.repos.sealedSecrets.listStale(column, notCurrent, after, budget)).length;
        break;
      }
      const want = Math.min(batch, budget - seen);
      const page = await deps.repos.sealedSecrets.listStale(column, notCurrent, after, want);
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
