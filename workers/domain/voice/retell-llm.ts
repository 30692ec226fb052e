import { greetingOf } from "../knowledge/persona";
import { z } from "zod";
import type { RoomPrincipal } from "../../contracts/room-rpc";
import type { VoiceCallRow, VoiceIntegrationRow } from "../../storage/schema";
import { streamAnswer } from "../knowledge/answer";
import type { StreamAnswer } from "../knowledge/answer-types";
import { voiceCallGate, type CallGate } from "./call-gate";
import { ensureCall, handOffCall, recordUtterance } from "./calls";
import type { VoiceCtx } from "./ports";
import { VoiceSettings } from "./schemas";

/**
 * Retell's custom-LLM WebSocket (protocols.md §3.1). Retell sends `interaction_type` frames; we
 * answer `response_type` frames. Every `response_required`/`reminder_required` carries a
 * `response_id`: the answer streams as many `response` frames with that id, the last with
 * `content_complete: true`. A newer id means the caller spoke again (an interruption): the older
 * answer is aborted at once and nothing more is sent for it. The transcript Retell sends is stored
 * in the call's room as it becomes final (operators follow the call live).
 *
 * The socket is served by the call's ConversationRoom (hibernation API), not by the Worker: the
 * route authenticates and forwards the upgrade (openRetellSocket), the room holds one session per
 * socket in memory and rebuilds it from the socket's attachment (RetellResume) after a wake.
 */
export const MAX_FRAME_BYTES = 256 * 1024;

const Utterance = z.object({ role: z.string().max(20), content: z.string().max(20_000) });
export const RetellInbound = z.discriminatedUnion("interaction_type", [
  z.looseObject({ interaction_type: z.literal("ping_pong"), timestamp: z.number() }),
  z.looseObject({
    interaction_type: z.literal("call_details"),
    call: z.looseObject({
      call_id: z.string().max(200).optional(),
      from_number: z.string().max(40).nullish(),
      to_number: z.string().max(40).nullish(),
    }),
  }),
  z.looseObject({ interaction_type: z.literal("update_only"), transcript: z.array(Utterance).max(2000) }),
  z.looseObject({
    interaction_type: z.literal("response_required"),
    response_id: z.number().int().nonnegative(),
    transcript: z.array(Utterance).max(2000),
  }),
  z.looseObject({
    interaction_type: z.literal("reminder_required"),
    response_id: z.number().int().nonnegative(),
    transcript: z.array(Utterance).max(2000),
  }),
]);
export type RetellInbound = z.infer<typeof RetellInbound>;

/** The socket as the session needs it (the room's hibernatable WebSocket, or a fake in tests). */
export type FrameSink = { send(data: string): void; close(code?: number, reason?: string): void };

/** What a session carries across a hibernation of its room (the room keeps it in the socket's attachment). */
export type RetellProgress = {
  /** The newest response_id seen (-1: none yet); an answer for an older id sends nothing more. */
  latest: number;
  /** Transcript entries already stored in the room (Retell resends the whole transcript every time). */
  stored: number;
};

export type RetellSessionInput = {
  integration: VoiceIntegrationRow;
  call: VoiceCallRow;
  sink: FrameSink;
  /** Where a rebuilt session resumes; a new one starts at `{ latest: -1, stored: 0 }`. */
  progress?: RetellProgress;
  /** Told every change of the progress, so the room can write it into the socket's attachment. */
  save?: (progress: RetellProgress) => void;
  /** The answerer; the room passes its own (which tests can script). */
  answer?: StreamAnswer;
};

export type RetellSession = ReturnType<typeof createRetellSession>;

/**
 * One call's LLM session. `onFrame` handles one inbound frame; answers run concurrently so a new
 * `response_required` can interrupt the one streaming.
 */
export function createRetellSession(ctx: VoiceCtx, input: RetellSessionInput) {
  const { integration, sink } = input;
  const answer = input.answer ?? streamAnswer;
  let latest = input.progress?.latest ?? -1;
  let stored = input.progress?.stored ?? 0;
  let running: AbortController | undefined;
  let current = input.call;
  const settings = VoiceSettings.parse(integration.settings);
  const send = (f: Record<string, unknown>) => sink.send(JSON.stringify(f));
  const save = () => input.save?.({ latest, stored });
  /** Set when the plan refused the call at its start: the AI says nothing more on it. */
  let refused: Extract<CallGate, { refused: true }> | undefined;
  /** The refusal's line: put through to the hand-off number when there is one, else the call ends. */
  const refusal = (id: number, g: Extract<CallGate, { refused: true }>) =>
    send({
      response_type: "response",
      response_id: id,
      content: g.spoken,
      content_complete: true,
      no_interruption_allowed: true,
      ...(g.number ? { transfer_number: g.number } : { end_call: true }),
    });

  /** Stores transcript entries up to `upto` (exclusive) that are not stored yet; cids make it idempotent. */
  async function storeTranscript(t: { role: string; content: string }[], upto: number) {
    let escalate: { reason: string } | null = null;
    for (let i = stored; i < Math.min(upto, t.length); i++) {
      const u = t[i]!;
      if (u.role !== "user" && u.role !== "agent") continue;
      const r = await recordUtterance(ctx, current, {
        speaker: u.role === "user" ? "caller" : "assistant",
        text: u.content,
        cid: `rt:${i}`,
        ...(settings.frustrationThreshold !== undefined && { frustrationThreshold: settings.frustrationThreshold }),
      });
      if (r.escalate) escalate = r.escalate;
    }
    const next = Math.max(stored, Math.min(upto, t.length));
    if (next !== stored) {
      stored = next;
      save();
    }
    return escalate;
  }

  async function respond(id: number, transcript: { role: string; content: string }[], controller: AbortController) {
    const escalate = await storeTranscript(transcript, transcript.length);
    if (id !== latest) return;
    if (refused) return refusal(id, refused);
    const question = [...transcript]
      .reverse()
      .find((u) => u.role === "user")
      ?.content.trim();
    if (escalate) {
      const h = await handOffCall(ctx, integration, current, escalate.reason);
      current = h.call;
      if (id !== latest) return;
      send({
        response_type: "response",
        response_id: id,
        content: h.spoken,
        content_complete: true,
        no_interruption_allowed: true,
        ...(h.number && { transfer_number: h.number }),
      });
      return;
    }
    if (!question) {
      send({
        response_type: "response",
        response_id: id,
        content: "Are you still there? How can I help?",
        content_complete: true,
        end_call: false,
      });
      return;
    }
    for await (const ev of answer(
      ctx,
      {
        botId: integration.botId,
        question,
        channel: "voice",
        history: transcript
          .slice(-9, -1)
          .map((u) => ({ role: u.role === "user" ? ("visitor" as const) : ("ai" as const), text: u.content })),
      },
      controller.signal,
    )) {
      if (id !== latest || controller.signal.aborted) return; // interrupted: a newer response_id owns the turn
      if (ev.type === "delta" && ev.text)
        send({
          response_type: "response",
          response_id: id,
          content: ev.text,
          content_complete: false,
          end_call: false,
        });
    }
    if (id === latest)
      send({ response_type: "response", response_id: id, content: "", content_complete: true, end_call: false });
  }

  /**
   * The plan's voice gate (domain/voice/call-gate.ts) for a call that is starting: nothing said on it
   * yet. A socket Retell reopens mid-call (auto_reconnect) finds the call's words stored and is
   * never refused — calls in progress are not cut.
   */
  async function startGate(): Promise<CallGate | undefined> {
    if (latest !== -1 || stored !== 0) return undefined;
    const said = await ctx.deps.room(current.tenantId, current.conversationId).messages(0, 50);
    if (said.some((m) => m.role === "visitor" || m.role === "ai")) return undefined;
    const gate = await voiceCallGate(ctx, integration, current);
    if (gate.refused) current = gate.call;
    return gate;
  }

  return {
    /** Sent once the socket opens: config, then the begin message (or the plan's refusal). */
    async start() {
      const [bot, gate] = await Promise.all([ctx.repos.bots.get(integration.tenantId, integration.botId), startGate()]);
      send({ response_type: "config", config: { auto_reconnect: true, call_details: true } });
      if (gate?.refused) {
        refused = gate;
        return refusal(0, gate);
      }
      send({
        response_type: "response",
        response_id: 0,
        content: settings.firstMessage ?? (bot ? greetingOf(bot) : undefined) ?? "Hello! How can I help?",
        content_complete: true,
        end_call: false,
      });
    },
    async onFrame(raw: string | ArrayBuffer): Promise<void> {
      if (typeof raw !== "string") return sink.close(1007, "text frames only");
      if (raw.length > MAX_FRAME_BYTES) return;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return;
      }
      const p = RetellInbound.safeParse(json);
      if (!p.success) return; // unknown interaction types are ignored (Retell adds them over time)
      const f = p.data;
      if (f.interaction_type === "ping_pong") return send({ response_type: "ping_pong", timestamp: f.timestamp });
      if (f.interaction_type === "call_details") {
        const from = f.call.from_number ?? null;
        if (from && !current.fromNumber)
          current =
            (await ctx.repos.voiceCalls.update(current.tenantId, current.id, {
              fromNumber: from,
              toNumber: f.call.to_number ?? null,
            })) ?? current;
        return;
      }
      if (f.interaction_type === "update_only") {
        // the last entry may still be growing; store up to the one before it
        await storeTranscript(f.transcript, f.transcript.length - 1);
        return;
      }
      latest = f.response_id;
      save();
      running?.abort();
      const controller = new AbortController();
      running = controller;
      await respond(f.response_id, f.transcript, controller).catch((err: unknown) => {
        ctx.log.error("retell: response failed", { error: String(err), callId: current.id });
        if (f.response_id === latest)
          send({
            response_type: "response",
            response_id: f.response_id,
            content: "Sorry, I had a problem. Let me get someone to help.",
            content_complete: true,
            end_call: false,
          });
      });
    },
    stop() {
      running?.abort();
    },
  };
}

/** A Retell socket's identity and progress, as its room keeps them in the socket's attachment. */
export type RetellResume = RetellProgress & { integrationId: string; callId: string };

/**
 * The session of a room's Retell socket, built from what its attachment names: the integration and
 * the call are read again (tenant-scoped), so a woken room resumes where it was. Undefined when
 * either is gone (the integration was deleted) or the call is not this conversation's.
 */
export async function openRetellSession(
  ctx: VoiceCtx,
  input: { conversationId: string; resume: RetellResume } & Omit<
    RetellSessionInput,
    "integration" | "call" | "progress"
  >,
): Promise<RetellSession | undefined> {
  const { conversationId, resume, ...host } = input;
  const integration = await ctx.repos.voiceIntegrations.get(ctx.tenantId, resume.integrationId);
  const call = await ctx.repos.voiceCalls.byConversation(ctx.tenantId, conversationId);
  if (
    !integration ||
    integration.provider !== "retell" ||
    !call ||
    call.id !== resume.callId ||
    call.integrationId !== integration.id
  )
    return undefined;
  return createRetellSession(ctx, {
    ...host,
    integration,
    call,
    progress: { latest: resume.latest, stored: resume.stored },
  });
}

/**
 * Retell's upgrade, once the route has found the integration and checked the URL's token: the call
 * (and its conversation) exists before the socket does, then the upgrade goes to the call's room
 * with a `retell` principal, the way visitor and operator upgrades do (the room serves the socket).
 */
export async function openRetellSocket(
  ctx: VoiceCtx,
  input: { integration: VoiceIntegrationRow; providerCallId: string; request: Request },
): Promise<Response> {
  const call = await ensureCall(ctx, input.integration, input.providerCallId);
  const principal: RoomPrincipal = {
    kind: "retell",
    tenantId: call.tenantId,
    conversationId: call.conversationId,
    integrationId: input.integration.id,
    callId: call.id,
  };
  return ctx.rooms.conversation(call.tenantId, call.conversationId).connect(input.request, principal);
}
