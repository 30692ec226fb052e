import type { AnswerCtx } from "../knowledge/answer-types";

/**
 * What the voice verbs need from the conversation room, typed structurally (the ConversationRoom
 * RPC surface, workers/rooms/room-api.ts) so the verbs stay testable and free of the class.
 */
export type CallRoom = {
  init(input: {
    tenantId: string;
    conversationId: string;
    botId: string;
    channel: "voice";
    visitor?: { name?: string; phone?: string; metadata?: Record<string, string> };
  }): Promise<unknown>;
  appendMessage(input: {
    role: "visitor" | "ai" | "agent" | "system";
    text: string;
    cid?: string;
    sources?: { sourceId: string; title: string; url: string | null; snippet: string }[];
    meta?: Record<string, unknown>;
  }): Promise<{ seq: number; id: string; triage?: CallTriage }>;
  /** Triage of caller words that may not be stored yet (once per utterance: the stored words reuse it). */
  triageWords(text: string): Promise<CallTriage | undefined>;
  setMode(mode: "ai" | "human" | "closed", reason: string): Promise<unknown>;
  setCallState(
    state: "ringing" | "in_progress" | "transferred" | "ended",
    data?: Record<string, unknown>,
  ): Promise<unknown>;
  snapshot(): Promise<{ mode: string; status: string }>;
  messages(
    afterSeq?: number,
    limit?: number,
  ): Promise<{ seq: number; role: string; text: string; cid?: string; meta?: Record<string, unknown> }[]>;
};

/** The room's one triage of a caller utterance. */
export type CallTriage = { frustration: number; escalate: { reason: string; detail: string } | null };

/** Outside effects of the voice verbs, injected so tests never reach outside hosts. */
export type VoiceDeps = {
  room(tenantId: string, conversationId: string): CallRoom;
  /** Fetches provider recordings (a fake in workerd tests; a local server in e2e). */
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
};

/** An answerer context plus the injected effects; the tenant comes from the integration row. */
export type VoiceCtx = AnswerCtx & { deps: VoiceDeps };
