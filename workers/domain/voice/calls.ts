import { newId } from "../../lib/ids";
import type { CallState, VoiceCallRow, VoiceIntegrationRow } from "../../storage/schema";
import type { CallTriage, VoiceCtx } from "./ports";
import { VoiceSettings } from "./schemas";
import { summarizeCall } from "./summary";

/**
 * A call is a conversation: the provider's call id maps to one conversation (voice_calls), whose
 * ConversationRoom holds the live transcript and the call state. These verbs are shared by every
 * provider's webhook handler.
 */

/** Caller utterances and assistant lines stored per call turn, bounded like chat messages. */
export const MAX_UTTERANCE = 4000;

export type CallParty = { from?: string | null; to?: string | null; name?: string | null };

/** The call's data as the room (and the D1 conversation `meta.call.data`) shows it; always the full set. */
export function callData(call: VoiceCallRow, extra: Record<string, unknown> = {}) {
  return {
    callId: call.id,
    provider: call.provider,
    providerCallId: call.providerCallId,
    ...(call.fromNumber && { from: call.fromNumber }),
    ...(call.toNumber && { to: call.toNumber }),
    ...(call.startedAt && { startedAt: call.startedAt.toISOString() }),
    ...(call.endedAt && { endedAt: call.endedAt.toISOString() }),
    ...(call.durationSec !== null && { durationSec: call.durationSec }),
    ...(call.cost !== null && { cost: call.cost, costCurrency: call.costCurrency }),
    ...(call.summary && { summary: call.summary }),
    ...(call.endedReason && { endedReason: call.endedReason }),
    ...(call.recordingKey && { recordingKey: call.recordingKey }),
    ...extra,
  };
}

/** Finds or creates the conversation of a provider call (idempotent, race-safe on the unique index). */
export async function ensureCall(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  providerCallId: string,
  party: CallParty = {},
): Promise<VoiceCallRow> {
  const repo = ctx.repos.voiceCalls;
  const found = await repo.byProviderCallId(integration.tenantId, integration.id, providerCallId);
  if (found) return found;
  const now = new Date(ctx.clock.now());
  const { row, created } = await repo.insertOrGet({
    id: newId("call", now.getTime()),
    tenantId: integration.tenantId,
    integrationId: integration.id,
    provider: integration.provider,
    providerCallId,
    conversationId: newId("conv", now.getTime()),
    botId: integration.botId,
    state: "ringing",
    fromNumber: party.from ?? null,
    toNumber: party.to ?? null,
    startedAt: now,
    createdAt: now,
    updatedAt: now,
  });
  if (created) {
    const room = ctx.deps.room(row.tenantId, row.conversationId);
    const visitor = {
      ...(party.from && { phone: party.from.slice(0, 40) }),
      ...(party.name && { name: party.name.slice(0, 200) }),
    };
    await room.init({
      tenantId: row.tenantId,
      conversationId: row.conversationId,
      botId: row.botId,
      channel: "voice",
      visitor,
    });
    await room.setCallState("ringing", callData(row));
  }
  return row;
}

/** Moves the call to `state` (never back from ended or transferred to an earlier state). */
export async function setCallState(
  ctx: VoiceCtx,
  call: VoiceCallRow,
  state: CallState,
  patch: Partial<VoiceCallRow> = {},
  extra: Record<string, unknown> = {},
) {
  const order: CallState[] = ["ringing", "in_progress", "transferred", "ended"];
  const next = order.indexOf(state) >= order.indexOf(call.state) ? state : call.state;
  const updated =
    (await ctx.repos.voiceCalls.update(call.tenantId, call.id, {
      ...patch,
      state: next,
      updatedAt: new Date(ctx.clock.now()),
    })) ?? call;
  await ctx.deps.room(call.tenantId, call.conversationId).setCallState(next, callData(updated, extra));
  return updated;
}

export type UtteranceResult = { seq: number; escalate: null | { reason: string; detail: string } };

/**
 * Stores one final utterance in the call's room (operators see it live). The room triages a
 * caller's utterance as it stores it (once per utterance, whatever the channel); a frustrated caller
 * (or one asking for a person) comes back with `escalate` set and the caller's handler transfers the
 * call (see handOffCall). `cid` makes a provider's resend idempotent.
 */
export async function recordUtterance(
  ctx: VoiceCtx,
  call: VoiceCallRow,
  input: { speaker: "caller" | "assistant"; text: string; cid?: string; frustrationThreshold?: number },
): Promise<UtteranceResult> {
  const text = input.text.trim().slice(0, MAX_UTTERANCE);
  if (!text) return { seq: 0, escalate: null };
  const room = ctx.deps.room(call.tenantId, call.conversationId);
  const m = await room.appendMessage({
    role: input.speaker === "caller" ? "visitor" : "ai",
    text,
    ...(input.cid && { cid: input.cid.slice(0, 64) }),
    meta: { channel: "voice" },
  });
  const escalate = input.speaker === "caller" ? escalationOf(m.triage, input.frustrationThreshold) : null;
  if (call.state === "ringing") await setCallState(ctx, call, "in_progress");
  return { seq: m.seq, escalate };
}

/**
 * The room's triage of caller words that may not be stored yet (a custom-LLM turn outruns the
 * transcript webhook of the same words); the room remembers it, so the stored words are not
 * triaged again. Returns why the call should go to a person, if so.
 */
export async function triageCallerWords(
  ctx: VoiceCtx,
  call: VoiceCallRow,
  input: { text: string; frustrationThreshold?: number },
): Promise<UtteranceResult["escalate"]> {
  const text = input.text.trim().slice(0, MAX_UTTERANCE);
  if (!text) return null;
  const result = await ctx.deps.room(call.tenantId, call.conversationId).triageWords(text);
  return escalationOf(result, input.frustrationThreshold);
}

/** Triage's policy decides; a per-integration threshold can make calls hand off sooner than chats. */
function escalationOf(result: CallTriage | undefined, frustrationThreshold?: number): UtteranceResult["escalate"] {
  if (!result) return null;
  if (result.escalate) return result.escalate;
  if (frustrationThreshold !== undefined && result.frustration >= frustrationThreshold)
    return { reason: "frustration", detail: `frustration ${result.frustration.toFixed(2)}` };
  return null;
}

/**
 * Hands the call to a person: the room moves to waiting for a human (which creates the ticket
 * through triage's escalation hook), a one-paragraph summary is stored for the operator, and the
 * call is marked transferred to the tenant's hand-off number. Returns what the provider needs to
 * speak and dial. Idempotent: a call already transferred returns the same data.
 */
export async function handOffCall(ctx: VoiceCtx, integration: VoiceIntegrationRow, call: VoiceCallRow, reason: string) {
  const settings = VoiceSettings.parse(integration.settings);
  const number = settings.handoffNumber ?? null;
  const room = ctx.deps.room(call.tenantId, call.conversationId);
  const transcript = await room.messages(0, 500);
  const summary = summarizeCall(transcript, { reason, from: call.fromNumber });
  if (call.state === "transferred" || call.state === "ended") return { number, summary, call, spoken: HANDOFF_LINE };
  await room.setMode("human", reason.slice(0, 100));
  await room.appendMessage({
    role: "system",
    text: `Call ${number ? `transferred to ${number}` : "needs a person (no hand-off number configured)"}. Summary: ${summary}`,
    cid: `handoff:${call.id}`,
    meta: { reason, summary },
  });
  const updated = await setCallState(
    ctx,
    call,
    number ? "transferred" : call.state === "ringing" ? "in_progress" : call.state,
    { summary },
    { transferTo: number, handoffReason: reason },
  );
  return { number, summary, call: updated, spoken: HANDOFF_LINE };
}

export const HANDOFF_LINE = "I'm connecting you with a member of our team now. One moment please.";
