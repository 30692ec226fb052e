import type { AnswerCtx } from "../domain/knowledge/answer-types";
import { botLanguage } from "../domain/knowledge/persona";
import type { Command } from "./room-core";

/** A room trusts the bot's language this long before reading the bot again (a persona edit applies after it). */
export const LANGUAGE_LEASE_MS = 30_000;

/**
 * The room's copy of its bot's language (persona, else bot setting), the fact room-core uses for the
 * system lines a visitor reads (room-notices.ts). Read before commands that may hand off, kept for
 * LANGUAGE_LEASE_MS so a busy conversation adds no D1 read per message. A failed read keeps the
 * last answer (or none: the visitor's own language, else English) and never blocks the hand-off.
 */
export class RoomLanguage {
  tag: string | undefined;
  private at = -Infinity;

  constructor(
    private readonly ctx: () => AnswerCtx,
    private readonly bot: () => { tenantId: string; botId: string } | undefined,
    private readonly log: (msg: string, fields: Record<string, unknown>) => void,
  ) {}

  async ensure(now: number): Promise<void> {
    if (now - this.at < LANGUAGE_LEASE_MS) return;
    const ref = this.bot();
    if (!ref) return;
    try {
      const row = await this.ctx().repos.bots.get(ref.tenantId, ref.botId);
      this.tag = row ? botLanguage(row) : undefined;
      this.at = now;
    } catch (err) {
      this.log("room: bot language read failed", { error: String(err) });
    }
  }
}

/**
 * Whether the shell reads the bot's language (within the lease) before deciding a command: a
 * command that may put a system line before the visitor (hand-off, a person joining, back to the
 * assistant, closed), and the visitor's `hello` and messages, which warm the lease the way they warm
 * the billing one (room-quota.ts) so a hand-off decided later by triage or the answer finds it fresh.
 */
export function mayChangeHands(command: Command): boolean {
  if (command.type !== "frame") return command.type === "set_mode" || command.type === "handoff";
  const t = command.frame.type;
  if (command.from.kind === "visitor") return t === "human" || t === "msg" || t === "hello";
  return t === "msg" || t === "takeover" || t === "release" || t === "close";
}
