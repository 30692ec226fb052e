import type { AnswerCtx } from "../domain/knowledge/answer-types";
import { afterUsage, aiAnswerLimitOf, mayTenant, NOTICE_THRESHOLDS, paidAnswer } from "../domain/billing";
import type { AiAllowance } from "./room-core";

/** A room trusts an allowance with headroom this long before asking D1 again. */
export const QUOTA_LEASE_MS = 30_000;

/**
 * The room's copy of "may this tenant's AI answer now?" (domain/billing `mayTenant`), so a busy
 * conversation does not add a D1 read to every message: an `ok` answer is kept for QUOTA_LEASE_MS
 * and counted down locally by each turn it starts; a refusal is never cached (an upgrade lifts it
 * at the next message). The quota is therefore soft by at most the answers other rooms of the same
 * tenant start inside one lease — the price of not serialising every answer through one object.
 * A billing read that fails never breaks the widget: the room answers and logs.
 */
export class RoomQuota {
  private lease:
    | { allowance: AiAllowance; remaining: number | null; at: number; limit: number | null; credits: boolean }
    | undefined;

  constructor(
    private readonly ctx: () => AnswerCtx,
    private readonly log: (msg: string, fields: Record<string, unknown>) => void,
    /** The room's bot (its own over-quota choice and budget cap apply). */
    private readonly botId: () => string | undefined = () => undefined,
  ) {}

  private fresh(now: number) {
    const l = this.lease;
    return !!l && l.allowance === "ok" && now - l.at < QUOTA_LEASE_MS && (l.remaining === null || l.remaining > 0);
  }

  /** A read in flight: a message arriving meanwhile waits for it instead of starting another. */
  private loading: Promise<void> | undefined;

  /** Before a visitor message that may start an answer: re-reads unless a fresh lease is held. */
  ensure(now: number): Promise<void> {
    if (this.fresh(now)) return Promise.resolve();
    this.loading ??= this.load(now).finally(() => (this.loading = undefined));
    return this.loading;
  }

  /**
   * A visitor's `hello`: the allowance is read in the background, so the first message (a quarter
   * of all messages in the realistic bench, where hand-offs start new conversations) finds a fresh
   * lease instead of waiting for billing's D1 reads before its acknowledgement.
   */
  warm(now: number) {
    void this.ensure(now);
  }

  private async load(now: number): Promise<void> {
    try {
      const ctx = this.ctx();
      const botId = this.botId();
      const a = await mayTenant(ctx, {
        kind: "ai_answer",
        paid: await paidAnswer(ctx, botId),
        ...(botId !== undefined ? { botId } : {}),
      });
      const limit = aiAnswerLimitOf(a.plan);
      this.lease = a.ok
        ? { allowance: "ok", remaining: a.remaining, at: now, limit, credits: a.credits === true }
        : { allowance: a.choice, remaining: 0, at: now, limit, credits: false };
    } catch (err) {
      this.log("room: billing check failed; answering", { error: String(err) });
      this.lease = undefined;
    }
  }

  /** The fact for room-core (`ok` when unknown). */
  current(): AiAllowance {
    return this.lease?.allowance ?? "ok";
  }

  /**
   * AI answers were counted in D1 (the room's flush): billing's after-usage step (quota notices,
   * credit spend) runs unless the lease shows the tenant far from the first notice threshold, so a
   * busy room under quota adds no D1 read per flush.
   */
  async answered(): Promise<void> {
    const l = this.lease;
    const farFromNotice =
      !!l &&
      l.allowance === "ok" &&
      !l.credits &&
      (l.limit === null || (l.remaining !== null && l.remaining > (l.limit * (100 - NOTICE_THRESHOLDS[0])) / 100));
    if (farFromNotice) return;
    await afterUsage(this.ctx());
  }

  /** A turn started: one answer less in the lease. */
  took() {
    if (this.lease && this.lease.remaining !== null) this.lease.remaining--;
  }
}
