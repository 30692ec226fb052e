import { z } from "zod";
import type { VoiceCallRow, VoiceIntegrationRow } from "../../storage/schema";
import { voiceCallsRepo } from "../../storage/voice-repo";
import { botsRepo } from "../../storage/bots-repo";
import { streamAnswer } from "../knowledge/answer";
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
 */
export const MAX_FRAME_BYTES = 256 * 1024;

const Utterance = z.object({ role: z.string().max(20), content: z.string().max(20_000) });
export const RetellInbound = z.discriminatedUnion("interaction_type", [
  z.looseObject({ interaction_type: z.literal("ping_pong"), timestamp: z.number() }),
  z.looseObject({ interaction_type: z.literal("call_details"), call: z.looseObject({ call_id: z.string().max(200).optional(), from_number: z.string().max(40).nullish(), to_number: z.string().max(40).nullish() }) }),
  z.looseObject({ interaction_type: z.literal("update_only"), transcript: z.array(Utterance).max(2000) }),
  z.looseObject({ interaction_type: z.literal("response_required"), response_id: z.number().int().nonnegative(), transcript: z.array(Utterance).max(2000) }),
  z.looseObject({ interaction_type: z.literal("reminder_required"), response_id: z.number().int().nonnegative(), transcript: z.array(Utterance).max(2000) }),
]);
export type RetellInbound = z.infer<typeof RetellInbound>;

/** The socket as the session needs it (a workerd WebSocket, or a fake in tests). */
export type FrameSink = { send(data: string): void; close(code?: number, reason?: string): void };

/**
 * One call's LLM session. `onFrame` handles one inbound frame; answers run concurrently so a new
 * `response_required` can interrupt the one streaming.
 */
export function createRetellSession(ctx: VoiceCtx, integration: VoiceIntegrationRow, call: VoiceCallRow, sink: FrameSink) {
  let latest = -1;
  let running: AbortController | undefined;
  let stored = 0; // transcript entries already in the room
  let current = call;
  const settings = VoiceSettings.parse(integration.settings);
  const send = (f: Record<string, unknown>) => sink.send(JSON.stringify(f));

  /** Stores transcript entries up to `upto` (exclusive) that are not stored yet; cids make it idempotent. */
  async function storeTranscript(t: { role: string; content: string }[], upto: number) {
    let escalate: { reason: string } | null = null;
    for (let i = stored; i < Math.min(upto, t.length); i++) {
      const u = t[i]!;
      if (u.role !== "user" && u.role !== "agent") continue;
      const r = await recordUtterance(ctx, current, { speaker: u.role === "user" ? "caller" : "assistant", text: u.content, cid: `rt:${i}`, ...(settings.frustrationThreshold !== undefined && { frustrationThreshold: settings.frustrationThreshold }) });
      if (r.escalate) escalate = r.escalate;
    }
    stored = Math.max(stored, Math.min(upto, t.length));
    return escalate;
  }

  async function respond(id: number, transcript: { role: string; content: string }[], controller: AbortController) {
    const escalate = await storeTranscript(transcript, transcript.length);
    if (id !== latest) return;
    const question = [...transcript].reverse().find((u) => u.role === "user")?.content.trim();
    if (escalate) {
      const h = await handOffCall(ctx, integration, current, escalate.reason);
      current = h.call;
      if (id !== latest) return;
      send({ response_type: "response", response_id: id, content: h.spoken, content_complete: true, no_interruption_allowed: true, ...(h.number && { transfer_number: h.number }) });
      return;
    }
    if (!question) {
      send({ response_type: "response", response_id: id, content: "Are you still there? How can I help?", content_complete: true, end_call: false });
      return;
    }
    for await (const ev of streamAnswer(ctx, { botId: integration.botId, question, channel: "voice", history: transcript.slice(-9, -1).map((u) => ({ role: u.role === "user" ? ("visitor" as const) : ("ai" as const), text: u.content })) }, controller.signal)) {
      if (id !== latest || controller.signal.aborted) return; // interrupted: a newer response_id owns the turn
      if (ev.type === "delta" && ev.text) send({ response_type: "response", response_id: id, content: ev.text, content_complete: false, end_call: false });
    }
    if (id === latest) send({ response_type: "response", response_id: id, content: "", content_complete: true, end_call: false });
  }

  return {
    /** Sent once the socket opens: config, then the begin message. */
    async start() {
      const bot = await botsRepo(ctx.db).get(integration.tenantId, integration.botId);
      send({ response_type: "config", config: { auto_reconnect: true, call_details: true } });
      send({ response_type: "response", response_id: 0, content: settings.firstMessage ?? bot?.greeting ?? "Hello! How can I help?", content_complete: true, end_call: false });
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
        if (from && !current.fromNumber) current = (await voiceCallsRepo(ctx.db).update(current.tenantId, current.id, { fromNumber: from, toNumber: f.call.to_number ?? null })) ?? current;
        return;
      }
      if (f.interaction_type === "update_only") {
        // the last entry may still be growing; store up to the one before it
        await storeTranscript(f.transcript, f.transcript.length - 1);
        return;
      }
      latest = f.response_id;
      running?.abort();
      const controller = new AbortController();
      running = controller;
      await respond(f.response_id, f.transcript, controller).catch((err: unknown) => {
        ctx.log.error("retell: response failed", { error: String(err), callId: current.id });
        if (f.response_id === latest) send({ response_type: "response", response_id: f.response_id, content: "Sorry, I had a problem. Let me get someone to help.", content_complete: true, end_call: false });
      });
    },
    stop() {
      running?.abort();
    },
  };
}

/** Serves one Retell socket until it closes (the Worker keeps the request alive meanwhile). */
export async function serveRetellLlm(ctx: VoiceCtx, integration: VoiceIntegrationRow, providerCallId: string, ws: WebSocket): Promise<void> {
  const call = await ensureCall(ctx, integration, providerCallId);
  const session = createRetellSession(ctx, integration, call, ws);
  const closed = new Promise<void>((resolve) => {
    ws.addEventListener("close", () => {
      session.stop();
      resolve();
    });
    ws.addEventListener("error", () => resolve());
  });
  ws.addEventListener("message", (e) => {
    // frames are handled concurrently: a response_required must be able to interrupt a running answer
    void session.onFrame(e.data as string | ArrayBuffer);
  });
  await session.start();
  await closed;
}
