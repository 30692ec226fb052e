import type { Repos } from "../storage/repos";
import { flushToD1 } from "./d1-copy";
import type { RoomMeta, RoomState } from "./room-state";
import type { RoomStore } from "./room-store";

/** The D1 copy is written at most this long after a change (one alarm per object). */
export const FLUSH_DELAY_MS = 1000;

/**
 * The room's single alarm: due work sits in the store's jobs table (today only "flush", the D1
 * copy), the alarm is set to the earliest due time, and every step is idempotent.
 */
export class RoomAlarm {
  private flushFailures = 0;
  /** The alarm time last set (null: none; undefined: unknown after a wake). */
  private alarmAt: number | null | undefined;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly store: RoomStore,
    private readonly log: (msg: string, fields: Record<string, unknown>) => void,
  ) {}

  /** Something the D1 copy shows changed: flush within FLUSH_DELAY_MS. */
  markDirty() {
    this.store.schedule("flush", Date.now() + FLUSH_DELAY_MS);
    void this.arm();
  }

  /** Sets the alarm to the earliest due job; the time set is cached so a busy room skips the storage calls. */
  async arm() {
    const next = this.store.nextDue();
    if (next === undefined) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= next) return;
    this.alarmAt = next;
    await this.storage.setAlarm(next);
  }

  /** Runs due jobs (the D1 flush), retrying with backoff on failure. */
  /** `answered`: AI answers were copied (counted) to D1 — billing's after-usage step (best effort). */
  async run(
    repos: () => Repos,
    meta: RoomMeta | undefined,
    state: RoomState,
    answered: (n: number) => Promise<void> = async () => {},
  ) {
    this.alarmAt = null;
    if (!meta) return;
    if (this.store.dueJobs(Date.now()).includes("flush")) {
      // the job is removed first: a change during the D1 write schedules a fresh one
      this.store.finishJob("flush");
      try {
        const { more, aiAnswers } = await flushToD1(repos(), this.store, meta, state);
        this.flushFailures = 0;
        if (aiAnswers > 0)
          await answered(aiAnswers).catch((err: unknown) =>
            this.log("room: billing after-usage step failed", { error: String(err) }),
          );
        if (more) this.store.schedule("flush", Date.now());
      } catch (err) {
        this.flushFailures++;
        this.log("room: D1 flush failed", { error: String(err), failures: this.flushFailures });
        this.store.schedule("flush", Date.now() + Math.min(30_000, 500 * 2 ** Math.min(this.flushFailures, 6)));
      }
    }
    await this.arm();
  }
}
