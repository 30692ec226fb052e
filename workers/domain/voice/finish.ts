import { afterUsage } from "../billing/notices";
import { egressFetch, egressPolicyOf, readBody } from "../../lib/egress";
import type { VoiceCallRow } from "../../storage/schema";
import { setCallState } from "./calls";
import { reconcileTranscript, type ReportTurn } from "./reconcile";
import type { VoiceCtx } from "./ports";
import { VoiceSettings } from "./schemas";
import { summarizeCall } from "./summary";
import { recordVoiceCall } from "../billing/channel-usage";
import type { VoiceIntegrationRow } from "../../storage/schema";

/**
 * Recordings larger than this are not copied: the Worker buffers the body (R2 needs its length) and
 * has 128 MB; the cap is enforced on the streamed body, not only on the declared length.
 */
export const MAX_RECORDING_BYTES = 24 * 1024 * 1024;
export const RECORDING_FETCH_TIMEOUT_MS = 20_000;

export type CallReport = {
  startedAt?: Date | null;
  endedAt?: Date | null;
  durationSec?: number | null;
  cost?: number | null;
  costCurrency?: string | null;
  summary?: string | null;
  endedReason?: string | null;
  /** A URL the provider serves the recording at (copied into R2 through deps.fetch). */
  recordingUrl?: string | null;
  /** Or the audio itself (ElevenLabs post_call_audio). */
  recordingBytes?: { data: Uint8Array; mime: string } | null;
  /** The provider's full transcript: turns no live webhook delivered are added (reconcile.ts). */
  transcript?: ReportTurn[];
};

const EXT: Record<string, string> = {
  "audio/wav": ".wav",
  "audio/x-wav": ".wav",
  "audio/mpeg": ".mp3",
  "audio/mp3": ".mp3",
  "audio/ogg": ".ogg",
  "audio/webm": ".webm",
};

/** Copies a recording into R2; failures are logged and leave the call without a recording key. */
export async function copyRecording(
  ctx: VoiceCtx,
  call: VoiceCallRow,
  source: { url?: string | null; bytes?: { data: Uint8Array; mime: string } | null },
): Promise<string | null> {
  try {
    let data: Uint8Array;
    let mime: string;
    if (source.bytes) {
      ({ data, mime } = source.bytes);
    } else if (source.url) {
      // through the egress policy: the provider's URL is attacker-reachable input (a forged or
      // compromised webhook); deps.fetch is only the network underneath
      const policy = egressPolicyOf(ctx.config, (req) => ctx.deps.fetch(req.url, req));
      const res = await egressFetch(policy, source.url, undefined, {
        maxBytes: MAX_RECORDING_BYTES,
        timeoutMs: RECORDING_FETCH_TIMEOUT_MS,
      });
      if (!res.ok) throw new Error(`recording fetch answered ${res.status}`);
      data = await readBody(res);
      mime = (res.headers.get("content-type") ?? "application/octet-stream").split(";")[0]!.trim();
    } else return null;
    if (data.byteLength > MAX_RECORDING_BYTES) throw new Error("recording too large");
    const ext = EXT[mime] ?? source.url?.match(/\.(wav|mp3|ogg|webm)(?:\?|$)/)?.[0]?.replace(/\?$/, "") ?? "";
    const key = `voice/${call.tenantId}/${call.id}/recording${ext}`;
    await ctx.services.files.put(key, data, {
      httpMetadata: { contentType: mime },
      customMetadata: { tenantId: call.tenantId, conversationId: call.conversationId },
    });
    return key;
  } catch (err) {
    ctx.log.warn("voice: recording copy failed", { error: String(err), callId: call.id });
    return null;
  }
}

/**
 * Closes a call with the provider's report: duration (reported, or end minus start), cost,
 * summary (the provider's, else ours), ended reason and the recording copied into R2.
 */
export async function finishCall(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  call: VoiceCallRow,
  report: CallReport,
) {
  const room = ctx.deps.room(call.tenantId, call.conversationId);
  if (
    report.transcript?.length &&
    (await reconcileTranscript(ctx, call, report.transcript)) > 0 &&
    call.state === "ringing"
  )
    call = await setCallState(ctx, call, "in_progress");
  const lines = await room.messages(0, 1000);
  const startedAt = report.startedAt ?? call.startedAt;
  const endedAt = report.endedAt ?? new Date(ctx.clock.now());
  const durationSec =
    report.durationSec ?? (startedAt ? Math.max(0, (endedAt.getTime() - startedAt.getTime()) / 1000) : null);
  const settings = VoiceSettings.parse(integration.settings);
  const recordingKey =
    settings.copyRecordings === false
      ? null
      : await copyRecording(ctx, call, { url: report.recordingUrl, bytes: report.recordingBytes });
  const summary = report.summary?.trim() || call.summary || summarizeCall(lines, { from: call.fromNumber });
  // voice minutes: the call's duration counted once under its id (a replayed report adds nothing)
  await recordVoiceCall(ctx, call, durationSec, endedAt.getTime());
  // 80 % / 100 % of the plan's voice minutes: admins are told (best effort: the call is over anyway)
  await afterUsage({ ...ctx, tenantId: call.tenantId }).catch((err: unknown) =>
    ctx.log.warn("billing: after-usage step failed", { tenantId: call.tenantId, error: String(err) }),
  );
  return setCallState(ctx, call, "ended", {
    ...(startedAt && { startedAt }),
    endedAt,
    durationSec,
    ...(report.cost !== undefined &&
      report.cost !== null && { cost: report.cost, costCurrency: report.costCurrency ?? "USD" }),
    summary: summary.slice(0, 2000),
    ...(report.endedReason && { endedReason: report.endedReason.slice(0, 200) }),
    ...(recordingKey && { recordingKey }),
  });
}
