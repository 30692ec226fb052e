import type { AnswerCtx } from "../knowledge/answer-types";

/**
 * The seam between the live conversation room and triage. The room calls these; triage owns them.
 * PLACEHOLDER until the triage work replaces the bodies: no escalation, no ticket.
 */
export type TriageInput = {
  conversationId: string;
  botId: string;
  /** The new visitor message. */
  text: string;
  /** Earlier visitor messages, oldest first (for repetition and trend). */
  previousVisitorTexts: string[];
  /** Confidence of the last AI answer in this conversation, if any (0..1). */
  lastAnswerConfidence?: number;
};

export type TriageResult = {
  /** 0..1 frustration score of this message. */
  frustration: number;
  /** Set when the conversation should move to a person now. */
  escalate: null | { reason: "frustration" | "repeated_question" | "low_confidence" | "asked_for_human" | string; detail: string };
};

export async function triageVisitorMessage(_ctx: AnswerCtx, _input: TriageInput): Promise<TriageResult> {
  return { frustration: 0, escalate: null };
}

/** Called once when a conversation moves to waiting for a person (any reason). Creates the ticket. */
export async function onConversationEscalated(
  _ctx: AnswerCtx,
  _input: { conversationId: string; botId: string; reason: string; transcript: { role: string; text: string }[] },
): Promise<void> {}
