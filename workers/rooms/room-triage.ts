import type { AnswerCtx } from "../domain/knowledge/answer-types";
import {
  onAgentReplied,
  onConversationClosed,
  onConversationEscalated,
  triageVisitorMessage,
} from "../domain/triage/hook";
import { policyFor } from "../domain/triage/settings";
import { DEFAULT_POLICY } from "../domain/triage/policy";
import type { EscalationPolicy } from "../storage/schema";
import type { RoomMeta } from "./room-state";
import type { MessageRecord, RoomStore } from "./room-store";

/** What one triage of visitor (or caller) words concluded. */
export type TriageOutcome = { frustration: number; escalate: { reason: string; detail: string } | null };

/** Utterances whose triage is remembered, so words triaged before their transcript arrives are not triaged again. */
const REMEMBERED = 20;
/** How long the room trusts the bot's escalation policy it read (a changed policy applies within this). */
const POLICY_TTL_MS = 30_000;
/** Earlier messages triage considers. */
const HISTORY = 30;

/**
 * Triage runs here, in the room, exactly once per visitor message or caller utterance, whatever the
 * channel. A voice LLM turn may ask about caller words before the provider's transcript of the same
 * words is stored (`words`); the stored message then reuses that outcome (`message`), and asking
 * again about stored words returns the remembered outcome. An escalation hands the conversation off.
 */
export class RoomTriage {
  /** Outcomes of words triaged before they were stored, by normalised text. */
  private readonly spoken = new Map<string, Promise<TriageOutcome | undefined>>();
  /** The last stored visitor message's triage. */
  private last: { seq: number; outcome: Promise<TriageOutcome | undefined> } | undefined;
  private policy: { value: EscalationPolicy; at: number } | undefined;
  /** Triages run one after another: each starts from the state the previous one left. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: RoomStore,
    private readonly ctx: () => AnswerCtx,
    private readonly meta: () => RoomMeta,
    /** The triage row changed: schedule the D1 copy. */
    private readonly dirty: () => void,
  ) {}

  /** Triage of a stored visitor message (once: a remembered outcome for the same words is reused). */
  message(rec: MessageRecord, handoff: (reason: string) => Promise<unknown>): Promise<TriageOutcome | undefined> {
    const k = key(rec.text);
    const spoken = this.spoken.get(k);
    this.spoken.delete(k);
    const earlier = spoken ? [] : this.store.recentMessages(HISTORY).filter((m) => m.seq < rec.seq);
    const outcome = spoken ?? this.run(rec.text, earlier, handoff);
    this.last = { seq: rec.seq, outcome };
    return outcome;
  }

  /** The conversation now waits for a person: open its ticket with what the room knows (no second read). */
  async escalated(reason: string) {
    const meta = this.meta();
    const ctx = this.ctx();
    try {
      const transcript = this.store.recentMessages(50).map((m) => ({ role: m.role, text: m.text }));
      const kept = this.store.triage();
      const known = kept ? { triage: kept.row, conversation: { botId: meta.botId, visitor: meta.visitor } } : undefined;
      const { conversationId, botId } = meta;
      await onConversationEscalated(ctx, { conversationId, botId, reason, transcript }, known);
    } catch (err) {
      ctx.log.error("room: escalation hook failed", { error: String(err) });
    }
  }

  /** An agent replied: the live ticket records its first response now, not when the D1 copy is read. */
  async agentReplied(at: number) {
    const ctx = this.ctx();
    await onAgentReplied(ctx, { conversationId: this.meta().conversationId, at }).catch((err: unknown) =>
      ctx.log.warn("room: first-response hook failed", { error: String(err) }),
    );
  }

  /** The conversation closed: its live ticket is solved (and assigned to `by` if it had no assignee). */
  async closed(by: string | null) {
    const ctx = this.ctx();
    await onConversationClosed(ctx, { conversationId: this.meta().conversationId, by }).catch((err: unknown) =>
      ctx.log.warn("room: closing the ticket failed", { error: String(err) }),
    );
  }

  /** The remembered outcome of a stored message (a provider's resend gets the same answer). */
  outcomeOf(seq: number): Promise<TriageOutcome | undefined> | undefined {
    return this.last?.seq === seq ? this.last.outcome : undefined;
  }

  /** Triage of words that may or may not be stored yet (the last visitor message with the same text is them). */
  words(text: string, handoff: (reason: string) => Promise<unknown>): Promise<TriageOutcome | undefined> {
    const k = key(text);
    const known = this.spoken.get(k);
    if (known) return known;
    const earlier = this.store.recentMessages(HISTORY);
    const last = [...earlier].reverse().find((m) => m.role === "visitor");
    if (last && key(last.text) === k) {
      // the transcript of these words arrived first: they were triaged when stored
      if (this.last?.seq === last.seq) return this.last.outcome;
      return this.run(
        text,
        earlier.filter((m) => m.seq < last.seq),
        handoff,
      );
    }
    const outcome = this.run(text, earlier, handoff);
    this.spoken.set(k, outcome);
    while (this.spoken.size > REMEMBERED) this.spoken.delete(this.spoken.keys().next().value!);
    return outcome;
  }

  private run(text: string, earlier: readonly MessageRecord[], handoff: (reason: string) => Promise<unknown>) {
    const next = this.queue.then(() => this.runNow(text, earlier, handoff));
    this.queue = next.catch(() => {});
    return next;
  }

  private async policyFor(ctx: AnswerCtx, botId: string) {
    const now = Date.now();
    if (!this.policy || now - this.policy.at > POLICY_TTL_MS)
      this.policy = { value: await policyFor(ctx, botId).catch(() => DEFAULT_POLICY), at: now };
    return this.policy.value;
  }

  private async runNow(text: string, earlier: readonly MessageRecord[], handoff: (reason: string) => Promise<unknown>) {
    const meta = this.meta();
    const ctx = this.ctx();
    try {
      const lastAi = [...earlier].reverse().find((m) => m.role === "ai");
      const confidence = typeof lastAi?.meta?.confidence === "number" ? lastAi.meta.confidence : undefined;
      const result = await triageVisitorMessage(
        ctx,
        {
          conversationId: meta.conversationId,
          botId: meta.botId,
          text,
          previousVisitorTexts: earlier.filter((m) => m.role === "visitor").map((m) => m.text),
          ...(confidence !== undefined ? { lastAnswerConfidence: confidence } : {}),
        },
        { prior: this.store.triage()?.row, policy: await this.policyFor(ctx, meta.botId) },
      );
      if (result.escalate) {
        // the ticket the hand-off opens reads this row at once: write it now rather than with the flush
        await ctx.repos.conversationTriage.liveUpsertStmt(result.row).run();
        this.store.setTriage(result.row, false);
        await handoff(result.escalate.reason);
      } else {
        this.store.setTriage(result.row, true);
        this.dirty();
      }
      return { frustration: result.frustration, escalate: result.escalate };
    } catch (err) {
      ctx.log.error("room: triage failed", { error: String(err) });
      return undefined;
    }
  }
}

const key = (text: string) => text.trim().replace(/\s+/g, " ").toLowerCase();
