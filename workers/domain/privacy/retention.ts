import type { Clock } from "../../lib/clock";
import { audit } from "../audit";
import type { BaseCtx, Ctx } from "../ctx";
import { type EraseCtx, eraseConversations } from "./erase";
import type { PrivacySettingsInput } from "./schemas";

const DAY_MS = 24 * 3600 * 1000;
/** Conversations one workspace loses per sweep; the hourly cron continues where this one stopped. */
export const MAX_SWEEP_PER_TENANT = 500;

export async function getPrivacySettings(ctx: Ctx) {
  const row = await ctx.repos.privacy.settings(ctx.tenantId);
  return {
    conversationRetentionDays: row?.conversationRetentionDays ?? null,
    updatedAt: row?.updatedAt.toISOString() ?? null,
  };
}

export async function savePrivacySettings(ctx: Ctx, input: PrivacySettingsInput) {
  const before = await getPrivacySettings(ctx);
  const row = await ctx.repos.privacy.putSettings(
    ctx.tenantId,
    input.conversationRetentionDays,
    new Date(ctx.clock.now()),
  );
  await audit(
    ctx,
    "settings.privacy_changed",
    { type: "settings", id: "privacy" },
    {
      conversationRetentionDays: { from: before.conversationRetentionDays, to: row.conversationRetentionDays },
    },
  );
  return { conversationRetentionDays: row.conversationRetentionDays, updatedAt: row.updatedAt.toISOString() };
}

export type SweepCtx = EraseCtx & Pick<BaseCtx, "requestId"> & { clock: Clock };

/**
 * The retention sweep (hourly cron): for each workspace with a retention period, erases the
 * conversations without activity for longer than it, through the same path as a visitor erasure,
 * and appends one `privacy.retention_swept` entry (actor: system) per workspace that lost any.
 */
export async function sweepRetention(ctx: SweepCtx) {
  const repo = ctx.repos.privacy;
  const now = ctx.clock.now();
  const results: { tenantId: string; conversations: number }[] = [];
  for (const s of await repo.withRetention()) {
    const days = s.conversationRetentionDays;
    if (!days) continue;
    const cutoff = new Date(now - days * DAY_MS);
    const ids = (await repo.conversationsIdleSince(s.tenantId, cutoff, MAX_SWEEP_PER_TENANT)).map((r) => r.id);
    if (!ids.length) continue;
    const erased = await eraseConversations(ctx, s.tenantId, ids);
    await audit({ ...ctx, tenantId: s.tenantId }, "privacy.retention_swept", null, {
      retentionDays: days,
      cutoff: cutoff.toISOString(),
      ...erased,
    });
    results.push({ tenantId: s.tenantId, conversations: erased.conversations });
  }
  return results;
}
