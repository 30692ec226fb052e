import type { TwilioParams } from "../../lib/signatures";
import { voiceCallGate } from "./call-gate";
import type { BotRow, VoiceCallRow, VoiceIntegrationRow } from "../../storage/schema";
import { botLanguage, greetingOf, phraseLanguageOf, speechLocale, voiceOf, type Voice } from "../knowledge/persona";
import { ensureCall, handOffCall, recordUtterance, setCallState } from "./calls";
import { finishCall } from "./finish";
import type { VoiceCtx } from "./ports";
import { VoiceSettings } from "./schemas";
import { answerForVoice } from "./tools";

/**
 * Twilio Programmable Voice (protocols.md §4). The incoming-call webhook answers TwiML that either
 * bridges the call to the tenant's voice agent (`<Connect><Stream>` to `settings.streamUrl`, call
 * context in `<Parameter>`s) or, without one, runs the conversation itself: Twilio's speech
 * recognition (`<Gather input="speech">`) posts each utterance, our answerer replies with `<Say>`,
 * and a frustrated caller is `<Dial>`ed through to the tenant's hand-off number.
 */
export const MAX_SAY_CHARS = 1500;

/** `application/x-www-form-urlencoded` body → params; repeated names become arrays (as twilio-node sees them). */
export function formParams(raw: string, contentType: string | undefined): TwilioParams {
  if (!contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) return {};
  const out: TwilioParams = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const one = (p: TwilioParams, k: string) => {
  const v = p[k];
  return typeof v === "string" ? v : Array.isArray(v) ? (v[0] ?? null) : null;
};

export const xmlEscape = (s: string) =>
  s.replace(/[<>&"']/g, (ch) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[ch]!);
const speakable = (s: string) =>
  xmlEscape(
    s
      .replace(/[*_#`>]/g, "")
      .replace(/\[(.*?)\]\(.*?\)/g, "$1")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, MAX_SAY_CHARS),
  );
const doc = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;

function hookBase(ctx: VoiceCtx, integration: VoiceIntegrationRow) {
  return `${ctx.services.origin}/hooks/voice/twilio/${integration.id}`;
}

/**
 * How the call speaks: the integration's language, else the bot's (persona) language as a Twilio
 * locale ("fr" → "fr-FR") for `<Say>` and `<Gather>`, and the persona's fixed lines in it.
 */
type Speech = { locale: string | null; voice: string | null; lines: Voice };

async function speechOf(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
): Promise<Speech & { bot: BotRow | undefined }> {
  const s = VoiceSettings.parse(integration.settings);
  const bot = await ctx.repos.bots.get(integration.tenantId, integration.botId);
  const locale = s.language ?? (bot ? speechLocale(botLanguage(bot)) : null);
  const lang = phraseLanguageOf(locale) ?? "en";
  const lines = voiceOf(bot ?? { name: "", persona: null }, lang);
  return { locale, voice: s.twilioVoice ?? null, lines, bot };
}

function sayAttrs(sp: Speech) {
  return `${sp.voice ? ` voice="${xmlEscape(sp.voice)}"` : ""}${sp.locale ? ` language="${xmlEscape(sp.locale)}"` : ""}`;
}

function gather(ctx: VoiceCtx, integration: VoiceIntegrationRow, sp: Speech, turn: number, say: string) {
  const action = xmlEscape(`${hookBase(ctx, integration)}/gather?turn=${turn}`);
  return `<Gather input="speech" action="${action}" method="POST" speechTimeout="auto"${sp.locale ? ` language="${xmlEscape(sp.locale)}"` : ""}><Say${sayAttrs(sp)}>${speakable(say)}</Say></Gather><Redirect method="POST">${action}</Redirect>`;
}

function dial(sp: Speech, line: string, number: string | null) {
  if (!number) return `<Say${sayAttrs(sp)}>${speakable(sp.lines.callBack)}</Say><Hangup/>`;
  return `<Say${sayAttrs(sp)}>${speakable(line)}</Say><Dial>${xmlEscape(number)}</Dial>`;
}

export async function handleTwilioVoice(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  form: TwilioParams,
): Promise<string> {
  const sid = one(form, "CallSid");
  if (!sid) return doc("<Reject/>");
  const call = await ensureCall(ctx, integration, sid, {
    from: one(form, "From"),
    to: one(form, "To"),
    name: one(form, "CallerName"),
  });
  const settings = VoiceSettings.parse(integration.settings);
  // the plan's voice minutes: over them the caller is put through to a person or told and hung up on
  const gate = await voiceCallGate(ctx, integration, call);
  if (gate.refused) return doc(dial(await speechOf(ctx, integration), gate.spoken, gate.number));
  if (settings.streamUrl) {
    const params = {
      conversationId: call.conversationId,
      callId: call.id,
      botId: call.botId,
      integrationId: integration.id,
    };
    const p = Object.entries(params)
      .map(([k, v]) => `<Parameter name="${k}" value="${xmlEscape(v)}"/>`)
      .join("");
    await setCallState(ctx, call, "in_progress");
    return doc(
      `<Connect><Stream url="${xmlEscape(settings.streamUrl)}">${p}</Stream></Connect>${settings.handoffNumber ? `<Dial>${xmlEscape(settings.handoffNumber)}</Dial>` : ""}`,
    );
  }
  const sp = await speechOf(ctx, integration);
  const greeting = settings.firstMessage ?? (sp.bot ? greetingOf(sp.bot) : "Hello! How can I help you today?");
  await recordUtterance(ctx, call, { speaker: "assistant", text: greeting, cid: "greeting" });
  return doc(gather(ctx, integration, sp, 1, greeting));
}

/** One caller turn: triage, then hand off or answer and listen again. */
export async function handleTwilioGather(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  form: TwilioParams,
  turn: number,
): Promise<string> {
  const sid = one(form, "CallSid");
  if (!sid) return doc("<Hangup/>");
  let call: VoiceCallRow = await ensureCall(ctx, integration, sid, { from: one(form, "From"), to: one(form, "To") });
  const speech = one(form, "SpeechResult")?.trim();
  const sp = await speechOf(ctx, integration);
  if (!speech) return doc(gather(ctx, integration, sp, turn + 1, sp.lines.didNotCatch));
  const settings = VoiceSettings.parse(integration.settings);
  const r = await recordUtterance(ctx, call, {
    speaker: "caller",
    text: speech,
    cid: `turn:${turn}`,
    ...(settings.frustrationThreshold !== undefined && { frustrationThreshold: settings.frustrationThreshold }),
  });
  if (r.escalate) {
    const h = await handOffCall(ctx, integration, call, r.escalate.reason);
    return doc(dial(sp, sp.lines.transfer, h.number));
  }
  const done = await answerForVoice(ctx, integration.botId, speech, undefined, sp.locale ?? undefined);
  const answer = done?.answer.trim() || sp.lines.dontKnow;
  call = (await ctx.repos.voiceCalls.byProviderCallId(call.tenantId, integration.id, sid)) ?? call;
  await recordUtterance(ctx, call, { speaker: "assistant", text: answer, cid: `answer:${turn}` });
  return doc(gather(ctx, integration, sp, turn + 1, answer));
}

/** Status callbacks: ringing, in-progress, completed (with CallDuration), busy, failed, no-answer, canceled. */
export async function handleTwilioStatus(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  form: TwilioParams,
): Promise<void> {
  const sid = one(form, "CallSid");
  if (!sid) return;
  const call = await ensureCall(ctx, integration, sid, { from: one(form, "From"), to: one(form, "To") });
  const status = one(form, "CallStatus") ?? "";
  if (status === "in-progress" || status === "answered") {
    await setCallState(ctx, call, "in_progress");
    return;
  }
  if (["completed", "busy", "failed", "no-answer", "canceled"].includes(status)) {
    const duration = Number(one(form, "CallDuration") ?? one(form, "Duration") ?? NaN);
    await finishCall(ctx, integration, call, {
      durationSec: Number.isFinite(duration) ? duration : null,
      endedReason: status,
      recordingUrl: one(form, "RecordingUrl"),
    });
  }
}
