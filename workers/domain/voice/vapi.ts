import { greetingOf } from "../knowledge/persona";
import { voiceCallGate } from "./call-gate";
import { z } from "zod";
import { retrieve } from "../knowledge/retrieve";
import type { VoiceCallRow, VoiceIntegrationRow } from "../../storage/schema";
import { ensureCall, handOffCall, HANDOFF_LINE, recordUtterance, setCallState, triageCallerWords } from "./calls";
import { finishCall } from "./finish";
import type { VoiceCtx } from "./ports";
import { VoiceSettings } from "./schemas";
import { runTool, TOOL_DEFINITIONS } from "./tools";
import { currentLlmToken } from "./tokens";
import { integrationUrls } from "./urls";

/**
 * Vapi server messages (shared/reference/protocols.md §1): `{"message":{"type",...}}`. Only
 * assistant-request, tool-calls, function-call and transfer-destination-request expect a body back;
 * the rest update the call. Payloads are validated loosely: Vapi adds fields over time.
 */
const Str = (n: number) => z.string().max(n);
const VapiCall = z.looseObject({
  id: Str(200),
  customer: z.looseObject({ number: Str(40).nullish(), name: Str(200).nullish() }).nullish(),
});
const ArtifactMessage = z.looseObject({
  role: Str(40),
  message: Str(20_000).nullish(),
  content: Str(20_000).nullish(),
  secondsFromStart: z.number().nullish(),
  time: z.number().nullish(),
});

export const VapiMessage = z.looseObject({
  type: Str(120),
  call: VapiCall.nullish(),
  customer: z.looseObject({ number: Str(40).nullish(), name: Str(200).nullish() }).nullish(),
  phoneNumber: z.looseObject({ number: Str(40).nullish() }).nullish(),
  timestamp: z.union([z.number(), Str(40)]).nullish(),
});
export const VapiEnvelope = z.object({ message: VapiMessage });
export type VapiMessage = z.infer<typeof VapiMessage>;

/** `transcript[transcriptType="final"]` → `transcript`. */
export const vapiKind = (type: string) => type.split("[")[0]!;

/** Request/response message types: their answer is kept so a retried delivery gets the same one. */
export const VAPI_ANSWERED = new Set([
  "assistant-request",
  "tool-calls",
  "function-call",
  "transfer-destination-request",
  "knowledge-base-request",
]);

// -------------------------------------------------------------------------------- tool-call lists

export type ParsedToolCall = { id: string; name: string; args: unknown };

function parseArgs(raw: unknown): unknown {
  if (typeof raw !== "string") return raw ?? {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return { _raw: raw };
  }
}

const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * Every documented shape of Vapi's tool-call list (protocols.md §1.4):
 * (a) `toolCallList[i] = {id, name, parameters}`, (b) `{id, name, arguments:{…}}`,
 * (c) `{id, type, function:{name, arguments:"<json>"}}`, and `toolWithToolCallList[i] =
 * {name, toolCall:{id, parameters | function:{parameters|arguments}}}`; older `toolCalls` too.
 */
export function parseVapiToolCalls(message: Record<string, unknown>): ParsedToolCall[] {
  const out = new Map<string, ParsedToolCall>();
  const add = (tc: Record<string, unknown> | undefined, outerName?: unknown) => {
    if (!tc) return;
    const fn = rec(tc.function);
    const id = typeof tc.id === "string" ? tc.id : undefined;
    const name = [fn?.name, tc.name, outerName].find((n): n is string => typeof n === "string");
    if (!id || !name || out.has(id)) return;
    out.set(id, {
      id: id.slice(0, 200),
      name: name.slice(0, 100),
      args: parseArgs(fn?.arguments ?? tc.arguments ?? tc.parameters ?? fn?.parameters),
    });
  };
  for (const list of [message.toolCallList, message.toolCalls])
    if (Array.isArray(list)) for (const tc of list.slice(0, 20)) add(rec(tc));
  if (Array.isArray(message.toolWithToolCallList)) {
    for (const tw of message.toolWithToolCallList.slice(0, 20)) {
      const w = rec(tw);
      add(rec(w?.toolCall), w?.name ?? rec(w?.function)?.name);
    }
  }
  return [...out.values()];
}

// -------------------------------------------------------------------------------- the assistant

/** An assistant built from the bot: its instructions and greeting, our endpoint as its custom LLM, our tools, the hand-off. */
export async function buildVapiAssistant(ctx: VoiceCtx, integration: VoiceIntegrationRow, call: VoiceCallRow) {
  const bot = await ctx.repos.bots.get(integration.tenantId, integration.botId);
  const settings = VoiceSettings.parse(integration.settings);
  const urls = integrationUrls(ctx.services.origin, integration, (await currentLlmToken(ctx, integration))?.token);
  const system = [
    `You are ${bot?.name ?? "the support assistant"}, answering a phone call. Keep answers short and speakable, without markdown.`,
    "Use lookup_knowledge for any question about the product; say you don't know rather than guess.",
    "Use transfer_to_human when the caller asks for a person or is frustrated, and create_ticket when they need follow-up.",
    bot?.instructions ?? "",
  ]
    .filter(Boolean)
    .join("\n");
  // no `server` on the tools or the assistant: Vapi then falls back to the phone number's server
  // (this webhook, with the credential that authenticated the assistant-request), instead of a
  // server block here that would carry no credential and be refused
  const tools = [
    { type: "function", function: TOOL_DEFINITIONS.lookup_knowledge },
    { type: "function", function: TOOL_DEFINITIONS.lookup_order },
    { type: "function", function: TOOL_DEFINITIONS.create_ticket },
    // a transferCall tool without destinations: Vapi asks us where to (transfer-destination-request)
    {
      type: "transferCall",
      function: {
        name: "transfer_to_human",
        description: TOOL_DEFINITIONS.transfer_to_human.description,
        parameters: TOOL_DEFINITIONS.transfer_to_human.parameters,
      },
      destinations: [],
    },
  ];
  return {
    name: (bot?.name ?? "Echo assistant").slice(0, 40),
    firstMessage: settings.firstMessage ?? (bot ? greetingOf(bot) : undefined) ?? "Hello! How can I help you today?",
    model: {
      provider: "custom-llm",
      url: urls.customLlm,
      model: integration.botId,
      temperature: 0,
      maxTokens: 250,
      messages: [{ role: "system", content: system }],
      tools,
    },
    serverMessages: [
      "conversation-update",
      "end-of-call-report",
      "hang",
      "status-update",
      "tool-calls",
      "transcript",
      "transfer-destination-request",
    ],
    metadata: { echoConversationId: call.conversationId, echoCallId: call.id, echoBotId: integration.botId },
  };
}

// -------------------------------------------------------------------------------- dispatch

const roleOf = (role: string): "caller" | "assistant" | null =>
  role === "user" || role === "customer" ? "caller" : role === "assistant" || role === "bot" ? "assistant" : null;
const norm = (s: string) => s.replace(/\s+/g, " ").trim().toLowerCase();

async function callOf(ctx: VoiceCtx, integration: VoiceIntegrationRow, m: VapiMessage) {
  const id = m.call?.id;
  if (!id) return undefined;
  const number = m.customer?.number ?? m.call?.customer?.number ?? null;
  return ensureCall(ctx, integration, id, {
    from: number,
    to: m.phoneNumber?.number ?? null,
    name: m.customer?.name ?? m.call?.customer?.name ?? null,
  });
}

/** Handles one verified Vapi message; returns the JSON body to answer with. */
export async function handleVapiMessage(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  m: VapiMessage,
): Promise<Record<string, unknown>> {
  const kind = vapiKind(m.type);
  const settings = VoiceSettings.parse(integration.settings);
  const call = await callOf(ctx, integration, m);
  const raw = m as Record<string, unknown>;
  switch (kind) {
    case "assistant-request": {
      if (!call) return { error: "Sorry, this call cannot be answered right now." };
      // the plan's voice minutes: over them the call goes to a person (Vapi forwards a `destination`)
      // or Vapi speaks the `error` and ends the call (protocols.md §1.3)
      const gate = await voiceCallGate(ctx, integration, call);
      if (gate.refused)
        return gate.number
          ? { destination: { type: "number", number: gate.number, message: gate.spoken } }
          : { error: gate.spoken };
      return { assistant: await buildVapiAssistant(ctx, integration, call) };
    }
    case "tool-calls": {
      const results = [];
      for (const tc of parseVapiToolCalls(raw)) {
        const o = await runTool(ctx, integration, call, tc.name, tc.args);
        results.push({
          toolCallId: tc.id,
          name: tc.name,
          ...(o.result !== undefined && { result: o.result }),
          ...(o.error !== undefined && { error: o.error }),
          ...(o.message && { message: o.message }),
        });
      }
      return { results };
    }
    case "function-call": {
      const fc = rec(raw.functionCall);
      const o = await runTool(ctx, integration, call, String(fc?.name ?? ""), parseArgs(fc?.parameters));
      return o.error ? { error: o.error } : { result: o.result ?? "" };
    }
    case "transfer-destination-request": {
      if (!call) return { error: "no call" };
      const h = await handOffCall(ctx, integration, call, "asked_for_human");
      if (!h.number) return { error: "No one is available to take the call right now." };
      return {
        destination: { type: "number", number: h.number, message: h.spoken },
        message: { type: "request-start", message: HANDOFF_LINE },
      };
    }
    case "knowledge-base-request":
      return { documents: await knowledgeDocuments(ctx, integration, raw.messages) };
    case "status-update":
      if (call) await onStatus(ctx, integration, call, raw);
      return {};
    case "transcript": {
      const final = raw.transcriptType === "final" || m.type.includes("final");
      const speaker = roleOf(String(raw.role ?? ""));
      if (!call || !final || !speaker || typeof raw.transcript !== "string") return {};
      // the event's timestamp makes a re-delivered transcript (after a failed first attempt) idempotent in the room
      const cid =
        m.timestamp !== null && m.timestamp !== undefined ? `vt:${String(m.timestamp)}:${speaker}` : undefined;
      const r = await recordUtterance(ctx, call, {
        speaker,
        text: raw.transcript,
        ...(cid && { cid }),
        ...(settings.frustrationThreshold !== undefined && { frustrationThreshold: settings.frustrationThreshold }),
      });
      // usually the LLM turn of these words has already transferred the call (see customLlmHandoff);
      // when it has not (a non-streamed turn, or no custom LLM), the next LLM turn does
      if (r.escalate) await handOffCall(ctx, integration, call, r.escalate.reason);
      return {};
    }
    case "conversation-update":
      if (call) await syncConversation(ctx, call, raw.messages);
      return {};
    case "hang":
      if (call) await setCallState(ctx, call, call.state, {}, { lastDelayAt: new Date(ctx.clock.now()).toISOString() });
      return {};
    case "end-of-call-report":
      if (call) await finishCall(ctx, integration, call, endOfCallReport(raw));
      return {};
    default:
      return {};
  }
}

async function onStatus(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  call: VoiceCallRow,
  raw: Record<string, unknown>,
) {
  const status = String(raw.status ?? "");
  if (status === "ringing" || status === "queued" || status === "scheduled") return;
  if (status === "in-progress") await setCallState(ctx, call, "in_progress");
  else if (status === "forwarding") await setCallState(ctx, call, "transferred");
  else if (status === "ended")
    await setCallState(ctx, call, "ended", {
      endedAt: new Date(ctx.clock.now()),
      ...(typeof raw.endedReason === "string" && { endedReason: raw.endedReason.slice(0, 200) }),
    });
  void integration;
}

/** conversation-update carries the whole history: store only turns the live transcript missed. */
async function syncConversation(ctx: VoiceCtx, call: VoiceCallRow, messages: unknown) {
  if (!Array.isArray(messages)) return;
  const room = ctx.deps.room(call.tenantId, call.conversationId);
  const seen = new Set((await room.messages(0, 1000)).map((m) => `${m.role}:${norm(m.text)}`));
  for (const item of messages.slice(-50)) {
    const p = ArtifactMessage.safeParse(item);
    if (!p.success) continue;
    const speaker = roleOf(p.data.role);
    const text = p.data.message ?? p.data.content ?? "";
    if (!speaker || !text.trim()) continue;
    const key = `${speaker === "caller" ? "visitor" : "ai"}:${norm(text)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await recordUtterance(ctx, call, {
      speaker,
      text,
      cid: `cu:${p.data.secondsFromStart ?? p.data.time ?? norm(text).slice(0, 40)}`.slice(0, 64),
    });
  }
}

/** end-of-call-report: `artifact.*` and `analysis.*` first, legacy top-level fields as fallback (protocols.md §1.6). */
export function endOfCallReport(raw: Record<string, unknown>) {
  const artifact = rec(raw.artifact) ?? {};
  const analysis = rec(raw.analysis) ?? {};
  const call = rec(raw.call) ?? {};
  const date = (v: unknown) => (typeof v === "string" && !Number.isNaN(Date.parse(v)) ? new Date(v) : null);
  const str = (...vs: unknown[]) => vs.find((v): v is string => typeof v === "string" && v.length > 0) ?? null;
  const recording = rec(artifact.recording);
  const messages = Array.isArray(artifact.messages)
    ? artifact.messages
    : Array.isArray(raw.messages)
      ? raw.messages
      : [];
  const transcript = messages
    .map((x) => ArtifactMessage.safeParse(x))
    .flatMap((p) => {
      if (!p.success) return [];
      const speaker = roleOf(p.data.role);
      const text = p.data.message ?? p.data.content ?? "";
      if (!speaker || !text.trim()) return [];
      // `time` is the turn's start in epoch ms; secondsFromStart its offset into the call
      const at = typeof p.data.time === "number" ? new Date(p.data.time) : null;
      return [{ speaker, text, at, secondsFromStart: p.data.secondsFromStart ?? null }];
    });
  const durationSec = typeof raw.durationSeconds === "number" ? raw.durationSeconds : null;
  return {
    startedAt: date(raw.startedAt) ?? date(call.startedAt),
    endedAt: date(raw.endedAt) ?? date(call.endedAt),
    durationSec,
    cost: typeof raw.cost === "number" ? raw.cost : typeof call.cost === "number" ? call.cost : null,
    costCurrency: "USD",
    summary: str(analysis.summary, raw.summary),
    endedReason: str(raw.endedReason, call.endedReason),
    recordingUrl: str(
      artifact.recordingUrl,
      recording?.mono && rec(recording.mono)?.combinedUrl,
      artifact.stereoRecordingUrl,
      raw.recordingUrl,
      call.recordingUrl,
    ),
    transcript,
  };
}

/**
 * For the custom-LLM endpoint: when a call is handed off (frustration, or the caller asked), the LLM
 * turn speaks the hand-off line and calls the transfer tool, which Vapi turns into a
 * transfer-destination-request answered with the tenant's number.
 *
 * The turn triages the caller's last words itself: Vapi requests the turn without waiting for the
 * `transcript` webhook of the same words, so a hand-off decided only by that webhook reached the
 * caller one turn late (they got an ordinary answer to their frustrated words first).
 */
export async function customLlmHandoff(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  input: { providerCallId: string | undefined; callerWords: string | undefined },
) {
  if (!input.providerCallId) return null;
  let call = await ctx.repos.voiceCalls.byProviderCallId(integration.tenantId, integration.id, input.providerCallId);
  if (!call) return null;
  if (call.state !== "transferred" && call.state !== "ended" && input.callerWords) {
    const { frustrationThreshold } = VoiceSettings.parse(integration.settings);
    const escalate = await triageCallerWords(ctx, call, {
      text: input.callerWords,
      ...(frustrationThreshold !== undefined && { frustrationThreshold }),
    });
    if (escalate) call = (await handOffCall(ctx, integration, call, escalate.reason)).call;
  }
  if (call.state !== "transferred") return null;
  return { line: HANDOFF_LINE, tool: "transfer_to_human" };
}

/** knowledge-base-request (a custom knowledge base): the bot's best passages for the caller's last question. */
async function knowledgeDocuments(ctx: VoiceCtx, integration: VoiceIntegrationRow, messages: unknown) {
  const list = Array.isArray(messages) ? messages : [];
  let question = "";
  for (const item of [...list].reverse()) {
    const p = ArtifactMessage.safeParse(item);
    if (p.success && roleOf(p.data.role) === "caller" && (p.data.content ?? p.data.message)?.trim()) {
      question = (p.data.content ?? p.data.message)!.trim().slice(0, 1000);
      break;
    }
  }
  if (!question) return [];
  const r = await retrieve(ctx, { question, botId: integration.botId, limit: 5 });
  return r.chunks
    .slice(0, 5)
    .map((c) => ({ content: c.text, similarity: Math.round(c.score * 1000) / 1000, uuid: c.chunkId }));
}
