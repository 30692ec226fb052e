import type { Clock } from "../../lib/clock";
import { audit } from "../audit";
import type { BaseCtx, Ctx } from "../ctx";
import { deleteRecording, type EraseCtx, eraseConversations } from "./erase";
import type { PrivacySettingsInput } from "./schemas";

const DAY_MS = 24 * 3600 * 1000;
/** Conversations one workspace loses per sweep; the hourly cron continues where this one stopped. */
export const MAX_SWEEP_PER_TENANT = 500;

export async function getPrivacySettings(ctx: Ctx) {
  const row = await ctx.repos.privacy.settings(ctx.tenantId);
  return {
    conversationRetentionDays: row?.conversationRetentionDays ?? null,
    recordingRetentionDays: row?.recordingRetentionDays ?? null,
    updatedAt: row?.updatedAt.toISOString() ?? null,
  };
}

export async function savePrivacySettings(ctx: Ctx, input: PrivacySettingsInput) {
  const before = await getPrivacySettings(ctx);
  const row = await ctx.repos.privacy.putSettings(
    ctx.tenantId,
    {
      conversationRetentionDays: input.conversationRetentionDays,
      recordingRetentionDays:
        input.recordingRetentionDays === undefined ? before.recordingRetentionDays : input.recordingRetentionDays,
    },
    new Date(ctx.clock.now()),
  );
  await audit(
    ctx,
    "settings.privacy_changed",
    { type: "settings", id: "privacy" },
    {
      conversationRetentionDays: { from: before.conversationRetentionDays, to: row.conversationRetentionDays },
      ...(before.recordingRetentionDays !== row.recordingRetentionDays
        ? { recordingRetentionDays: { from: before.recordingRetentionDays, to: row.recordingRetentionDays } }
        : {}),
    },
  );
  return {
    conversationRetentionDays: row.conversationRetentionDays,
    recordingRetentionDays: row.recordingRetentionDays,
    updatedAt: row.updatedAt.toISOString(),
  };
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
    if (s.recordingRetentionDays) await sweepRecordings(ctx, s.tenantId, s.recordingRetentionDays, now);
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

/**
 * Recording retention: recordings of calls older than the period are deleted from R2 (the call's
 * prefix and its recorded key) and the call forgets them; the call, its transcript and summary stay.
 * One `privacy.retention_swept` entry per workspace that lost any.
 */
async function sweepRecordings(ctx: SweepCtx, tenantId: string, days: number, now: number) {
  const cutoff = new Date(now - days * DAY_MS);
  const calls = await ctx.repos.privacy.recordingsBefore(tenantId, cutoff, MAX_SWEEP_PER_TENANT);
  if (!calls.length) return;
  let files = 0;
  for (const call of calls) files += await deleteRecording(ctx.services.files, tenantId, call);
  await ctx.repos.privacy
    .clearRecordingsStmt(
      tenantId,
      calls.map((c) => c.id),
    )
    .run();
  await audit({ ...ctx, tenantId }, "privacy.retention_swept", null, {
    recordingRetentionDays: days,
    cutoff: cutoff.toISOString(),
    recordings: calls.length,
    files,
  });
}
