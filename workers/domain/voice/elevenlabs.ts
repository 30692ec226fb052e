import { botLanguage, greetingOf } from "../knowledge/persona";
import { z } from "zod";
import { fromBase64 } from "../../lib/crypto";
import type { VoiceIntegrationRow } from "../../storage/schema";
import { voiceCallGate } from "./call-gate";
import { ensureCall, setCallState } from "./calls";
import { copyRecording, finishCall } from "./finish";
import type { VoiceCtx } from "./ports";
import { VoiceSettings } from "./schemas";

/**
 * ElevenLabs Agents webhooks (protocols.md §2): the post-call webhook (`post_call_transcription`,
 * `post_call_audio`, `call_initiation_failure`), HMAC-signed; and the conversation-initiation
 * webhook that returns the caller's context as dynamic variables (static-secret authenticated).
 */
const Str = (n: number) => z.string().max(n);
const Turn = z.looseObject({ role: Str(20), message: Str(20_000).nullish(), time_in_call_secs: z.number().nullish() });

export const ElevenLabsEvent = z.looseObject({
  type: Str(60),
  event_timestamp: z.number().optional(),
  data: z.looseObject({
    conversation_id: Str(200).optional(),
    agent_id: Str(200).nullish(),
    transcript: z.array(Turn).max(2000).nullish(),
    metadata: z
      .looseObject({
        start_time_unix_secs: z.number().nullish(),
        call_duration_secs: z.number().nullish(),
        cost: z.number().nullish(),
        termination_reason: Str(500).nullish(),
        phone_call: z.looseObject({ call_sid: Str(200).nullish(), external_number: Str(40).nullish() }).nullish(),
      })
      .nullish(),
    analysis: z.looseObject({ transcript_summary: Str(5000).nullish(), call_successful: Str(40).nullish() }).nullish(),
    conversation_initiation_client_data: z
      .looseObject({ dynamic_variables: z.record(z.string(), z.unknown()).nullish() })
      .nullish(),
    full_audio: z.string().nullish(),
  }),
});
export type ElevenLabsEvent = z.infer<typeof ElevenLabsEvent>;

export const ElevenLabsInitiation = z.looseObject({
  caller_id: Str(40).nullish(),
  agent_id: Str(200).nullish(),
  called_number: Str(40).nullish(),
  call_sid: Str(200).nullish(),
});
export type ElevenLabsInitiation = z.infer<typeof ElevenLabsInitiation>;

/** Finds the call a post-call event belongs to: by conversation id, or the Twilio call sid the initiation webhook saw. */
async function callFor(ctx: VoiceCtx, integration: VoiceIntegrationRow, data: ElevenLabsEvent["data"]) {
  const sid = data.metadata?.phone_call?.call_sid;
  if (sid) {
    const bySid = await ctx.repos.voiceCalls.byProviderCallId(integration.tenantId, integration.id, sid);
    if (bySid) return bySid;
  }
  const caller =
    data.metadata?.phone_call?.external_number ??
    (typeof data.conversation_initiation_client_data?.dynamic_variables?.system__caller_id === "string"
      ? data.conversation_initiation_client_data.dynamic_variables.system__caller_id
      : null);
  return ensureCall(ctx, integration, data.conversation_id ?? sid ?? "unknown", { from: caller });
}

export async function handleElevenLabsEvent(ctx: VoiceCtx, integration: VoiceIntegrationRow, event: ElevenLabsEvent) {
  const d = event.data;
  if (!d.conversation_id) return;
  const call = await callFor(ctx, integration, d);
  if (event.type === "post_call_transcription") {
    const started = d.metadata?.start_time_unix_secs ? new Date(d.metadata.start_time_unix_secs * 1000) : null;
    const duration = d.metadata?.call_duration_secs ?? null;
    await finishCall(ctx, integration, call, {
      startedAt: started,
      endedAt: started && duration !== null ? new Date(started.getTime() + duration * 1000) : null,
      durationSec: duration,
      cost: d.metadata?.cost ?? null,
      // ElevenLabs reports cost in credits, not money
      costCurrency: "credits",
      summary: d.analysis?.transcript_summary ?? null,
      endedReason: d.metadata?.termination_reason || null,
      transcript: (d.transcript ?? []).flatMap((t) =>
        // ElevenLabs' roles are `user` and `agent`; anything else is not a speaker Echo knows
        t.message?.trim() && (t.role === "user" || t.role === "agent")
          ? [
              {
                speaker: t.role === "user" ? ("caller" as const) : ("assistant" as const),
                text: t.message,
                secondsFromStart: t.time_in_call_secs ?? null,
                at:
                  started && typeof t.time_in_call_secs === "number"
                    ? new Date(started.getTime() + t.time_in_call_secs * 1000)
                    : null,
              },
            ]
          : [],
      ),
    });
  } else if (event.type === "post_call_audio" && d.full_audio) {
    if (VoiceSettings.parse(integration.settings).copyRecordings === false) return;
    const key = await copyRecording(ctx, call, { bytes: { data: fromBase64(d.full_audio), mime: "audio/mpeg" } });
    if (key) await setCallState(ctx, call, call.state, { recordingKey: key });
  } else if (event.type === "call_initiation_failure") {
    await setCallState(ctx, call, "ended", {
      endedAt: new Date(ctx.clock.now()),
      endedReason: "call_initiation_failure",
    });
  }
}

/** The caller's context for the agent, answered while the phone rings: keep it to one lookup. */
export async function handleElevenLabsInitiation(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  body: ElevenLabsInitiation,
) {
  const bot = await ctx.repos.bots.get(integration.tenantId, integration.botId);
  const call = body.call_sid
    ? await ensureCall(ctx, integration, body.call_sid, {
        from: body.caller_id ?? null,
        to: body.called_number ?? null,
      })
    : null;
  const settings = VoiceSettings.parse(integration.settings);
  // the plan's voice minutes: over them the call goes to a person (room `human`, reason `quota`) and
  // the agent's first words say so; `echo_refused` lets the agent's own workflow end or transfer it
  const gate = call ? await voiceCallGate(ctx, integration, call) : undefined;
  return {
    type: "conversation_initiation_client_data",
    dynamic_variables: {
      caller_number: body.caller_id ?? "",
      bot_name: bot?.name ?? "",
      echo_conversation_id: call?.conversationId ?? "",
      handoff_number: settings.handoffNumber ?? "",
      echo_refused: gate?.refused ? gate.refusal.limit : "",
    },
    conversation_config_override: {
      agent: {
        first_message: gate?.refused
          ? gate.spoken
          : (settings.firstMessage ?? (bot ? greetingOf(bot) : undefined) ?? "Hello! How can I help?"),
        // the integration's language, else the bot's (persona) language
        ...((settings.language ?? (bot && botLanguage(bot) !== "auto" ? botLanguage(bot) : undefined)) && {
          language: settings.language ?? botLanguage(bot!),
        }),
      },
    },
  };
}
