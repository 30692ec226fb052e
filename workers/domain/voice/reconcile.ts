import type { VoiceCallRow } from "../../storage/schema";
import { MAX_UTTERANCE } from "./calls";
import type { VoiceCtx } from "./ports";

/** One turn of a provider's end-of-call transcript, in spoken order. */
export type ReportTurn = {
  /** `person`: someone the call was transferred to (Retell's `transfer_target`), stored as an agent line. */
  speaker: ReportSpeaker;
  text: string;
  /** When it was spoken (Vapi `time`, ElevenLabs start + `time_in_call_secs`, Retell start + first word). */
  at?: Date | null;
  /** Seconds from the call's start, when the provider says. */
  secondsFromStart?: number | null;
};

export type ReportSpeaker = "caller" | "assistant" | "person";
const ROLE_OF: Record<ReportSpeaker, "visitor" | "ai" | "agent"> = {
  caller: "visitor",
  assistant: "ai",
  person: "agent",
};
const SPOKEN_ROLES = new Set<string>(Object.values(ROLE_OF));

/** Turns of one report reconciled at most (a long call is a few hundred). */
export const MAX_REPORT_TURNS = 2000;

/** Live and reported words of one turn compare equal when their letters and digits do. */
const norm = (s: string) => (s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(" ").slice(0, MAX_UTTERANCE);

type Line = { seq: number; role: string; text: string; meta?: Record<string, unknown> };

/**
 * Lines in spoken order: a line a report added carries the seq of the line it follows (`afterSeq`)
 * and sorts right after it (GET /api/calls/:id orders the same way).
 */
export function spokenOrder<T extends Line>(lines: T[]): T[] {
  const key = (l: T) =>
    l.meta?.source === "report" && typeof l.meta.afterSeq === "number" ? [l.meta.afterSeq, 1, l.seq] : [l.seq, 0, 0];
  return lines
    .map((l) => ({ l, k: key(l) }))
    .sort((a, b) => a.k[0]! - b.k[0]! || a.k[1]! - b.k[1]! || a.k[2]! - b.k[2]!)
    .map((x) => x.l);
}

/**
 * Aligns the report with what the room holds, in spoken order: each report turn is matched with
 * the next unmatched room line of the same speaker and words (searching forward from the last
 * match, then anywhere), and the turns no live webhook delivered come back with the seq of the line
 * they follow (0: before every line). A line is matched once, so a turn spoken twice is kept twice.
 */
export function missingTurns(
  lines: Line[],
  turns: ReportTurn[],
): { turn: ReportTurn; index: number; afterSeq: number }[] {
  const spoken = spokenOrder(lines.filter((l) => SPOKEN_ROLES.has(l.role)));
  const used = new Set<number>();
  const out: { turn: ReportTurn; index: number; afterSeq: number }[] = [];
  let cursor = 0;
  let lastSeq = 0;
  turns.slice(0, MAX_REPORT_TURNS).forEach((turn, index) => {
    const role = ROLE_OF[turn.speaker];
    const key = norm(turn.text);
    if (!key) return;
    const same = (l: Line, i: number) => !used.has(i) && l.role === role && norm(l.text) === key;
    const at = spoken.findIndex((l, i) => i >= cursor && same(l, i));
    if (at >= 0) {
      used.add(at);
      cursor = at + 1;
      lastSeq = spoken[at]!.seq;
      return;
    }
    // live webhooks can arrive out of order: the same words earlier in the room are this turn too
    const earlier = spoken.findIndex(same);
    if (earlier >= 0) used.add(earlier);
    else out.push({ turn, index, afterSeq: lastSeq });
  });
  return out;
}

/**
 * Completes the call's conversation from the end-of-call report: the turns the live webhooks did
 * not deliver (often the provider's own model speaking) are appended, each marked with the line it
 * follows and its time so GET /api/calls/:id shows them in spoken order. Idempotent: a replayed
 * report finds its turns already there (and the room drops a resent `cid`).
 */
export async function reconcileTranscript(ctx: VoiceCtx, call: VoiceCallRow, turns: ReportTurn[]): Promise<number> {
  if (!turns.length) return 0;
  const room = ctx.deps.room(call.tenantId, call.conversationId);
  const lines = await room.messages(0, 5000);
  const missing = missingTurns(lines, turns);
  for (const { turn, index, afterSeq } of missing) {
    const text = turn.text.trim().slice(0, MAX_UTTERANCE);
    await room.appendMessage({
      role: ROLE_OF[turn.speaker],
      text,
      cid: `report:${index}:${turn.speaker[0]}:${norm(text).slice(0, 32)}`.slice(0, 64),
      meta: {
        channel: "voice",
        source: "report",
        afterSeq,
        ...(turn.at && !Number.isNaN(turn.at.getTime()) && { spokenAt: turn.at.toISOString() }),
        ...(typeof turn.secondsFromStart === "number" && { secondsFromStart: turn.secondsFromStart }),
      },
    });
  }
  return missing.length;
}
