import { z } from "zod";
import type { VoiceIntegrationRow } from "../../storage/schema";
import { ensureCall, setCallState } from "./calls";
import { finishCall } from "./finish";
import type { ReportSpeaker } from "./reconcile";
import type { VoiceCtx } from "./ports";

/**
 * Retell webhooks (protocols.md §3.2): `{"event", "call":{…}}` (older deliveries `{"event","data"}`),
 * signed with `X-Retell-Signature`. call_started / call_ended / call_analyzed / transfer_* update
 * the call; transcript_updated is covered by the LLM socket's live transcript.
 */
const Str = (n: number) => z.string().max(n);
const RetellCall = z.looseObject({
  call_id: Str(200),
  from_number: Str(40).nullish(),
  to_number: Str(40).nullish(),
  start_timestamp: z.number().nullish(),
  end_timestamp: z.number().nullish(),
  duration_ms: z.number().nullish(),
  recording_url: Str(2000).nullish(),
  disconnection_reason: Str(200).nullish(),
  transcript_object: z
    .array(
      z.looseObject({
        role: Str(20),
        content: Str(20_000),
        // word timings in seconds from the call's start (Retell's Utterance.words)
        words: z
          .array(z.looseObject({ start: z.number().nullish() }))
          .max(5000)
          .nullish(),
      }),
    )
    .max(2000)
    .nullish(),
  call_analysis: z.looseObject({ call_summary: Str(5000).nullish() }).nullish(),
  call_cost: z.looseObject({ combined_cost: z.number().nullish() }).nullish(),
});
/**
 * Who spoke a `transcript_object` utterance: the caller, Echo's agent, or the person a warm transfer
 * reached (`transfer_target`: a human, never an AI line). Any other role (tool calls, node
 * transitions, DTMF in the richer transcript variants) is not speech and is left out.
 */
const RETELL_SPEAKERS: Partial<Record<string, ReportSpeaker>> = {
  user: "caller",
  agent: "assistant",
  transfer_target: "person",
};

export const RetellEvent = z.looseObject({ event: Str(60), call: RetellCall.optional(), data: RetellCall.optional() });
export type RetellEvent = z.infer<typeof RetellEvent>;

export async function handleRetellEvent(ctx: VoiceCtx, integration: VoiceIntegrationRow, event: RetellEvent) {
  const c = event.call ?? event.data;
  if (!c) return;
  const call = await ensureCall(ctx, integration, c.call_id, { from: c.from_number ?? null, to: c.to_number ?? null });
  switch (event.event) {
    case "call_started":
      await setCallState(ctx, call, "in_progress", c.start_timestamp ? { startedAt: new Date(c.start_timestamp) } : {});
      return;
    case "call_ended":
    case "call_analyzed":
      await finishCall(ctx, integration, call, {
        startedAt: c.start_timestamp ? new Date(c.start_timestamp) : null,
        endedAt: c.end_timestamp ? new Date(c.end_timestamp) : null,
        durationSec: typeof c.duration_ms === "number" ? c.duration_ms / 1000 : null,
        // Retell reports combined_cost in cents
        cost: typeof c.call_cost?.combined_cost === "number" ? c.call_cost.combined_cost / 100 : null,
        costCurrency: "USD",
        summary: c.call_analysis?.call_summary ?? null,
        endedReason: c.disconnection_reason ?? null,
        recordingUrl: c.recording_url ?? null,
        transcript: (c.transcript_object ?? []).flatMap((t) => {
          const speaker = RETELL_SPEAKERS[t.role];
          if (!speaker) return [];
          const s = t.words?.[0]?.start;
          return [
            {
              speaker,
              text: t.content,
              secondsFromStart: typeof s === "number" ? s : null,
              at: typeof s === "number" && c.start_timestamp ? new Date(c.start_timestamp + s * 1000) : null,
            },
          ];
        }),
      });
      return;
    case "transfer_started":
    case "transfer_bridged":
      await setCallState(ctx, call, "transferred");
      return;
    default:
      return;
  }
}
