import type { ConversationEvent, HubPort } from "../contracts/hub";
import type { Effect, Notice } from "./room-core";
import type { CoreState } from "./room-core";
import type { RoomMeta } from "./room-state";
import { fanOut, participants, replay, send, type SocketInfo } from "./room-sockets";
import type { MessageRecord, RoomStore } from "./room-store";
import type { Turn } from "./room-turn";
import type { RoomTriage, TriageOutcome } from "./room-triage";

/** What one command's effects produced for its caller: the stored message (RPC), the triage, and when all is done. */
export type Outcome = { ack?: MessageRecord; triage?: Promise<TriageOutcome | undefined>; done: Promise<unknown> };

/** The parts of the room the effects touch. */
export type EffectHost = {
  state: DurableObjectState;
  store: RoomStore;
  triage: RoomTriage;
  core(): CoreState;
  meta(): RoomMeta;
  turn: { get(): Turn | undefined; set(t: Turn | undefined): void };
  markDirty(): void;
  publish(notice: Notice): void;
  handoff(reason: string): Promise<unknown>;
  answer(turnId: string, trigger: MessageRecord, triaged: Promise<unknown>, embedded: boolean): Promise<void>;
  /** Sends an ai or agent message out through its channel (email, WhatsApp); never throws. */
  deliver(message: MessageRecord): Promise<unknown>;
};

/** Runs `decide`'s effects in order; synchronous ones (storage, frames) finish before it returns. */
export function runEffects(host: EffectHost, effects: Effect[], sender?: WebSocket): Outcome {
  const outcome: Outcome = { done: Promise.resolve() };
  const waits: Promise<unknown>[] = [];
  for (const e of effects) runEffect(host, e, sender, outcome, waits);
  outcome.done = Promise.all(waits);
  return outcome;
}

function runEffect(
  h: EffectHost,
  e: Effect,
  sender: WebSocket | undefined,
  outcome: Outcome,
  waits: Promise<unknown>[],
) {
  switch (e.type) {
    case "send":
      if (e.to === "sender") return sender && send(sender, e.frame);
      if (e.to === "others") return participants(h.state).forEach((s) => s !== sender && send(s, e.frame));
      return fanOut(h.state, e.frame, e.to === "all" ? undefined : e.to);
    case "store_message": {
      const rec = h.store.insertMessageAt(e.message, e.cidKey);
      if (e.attachmentIds) h.store.markAttachmentsUsed(e.attachmentIds, rec.seq);
      return;
    }
    case "store_note":
      return void h.store.insertNote(e.note, e.cidKey);
    case "save":
      h.store.setState(h.core().room);
      return h.markDirty();
    case "publish":
      return h.publish(e.notice);
    case "stop_turn": {
      const t = h.turn.get();
      h.turn.set(undefined);
      return t?.controller.abort();
    }
    case "triage":
      outcome.triage = h.triage.message(e.message, h.handoff);
      return void waits.push(outcome.triage);
    case "start_turn":
      return void waits.push(
        h.answer(e.turnId, e.trigger, outcome.triage ?? Promise.resolve(undefined), e.embedded === true),
      );
    case "escalated":
      return void h.triage.escalated(e.reason);
    case "agent_replied":
      return void h.triage.agentReplied(e.at);
    case "closed":
      return void h.triage.closed(e.by);
    case "replay": {
      if (!sender) return;
      const info = sender.deserializeAttachment() as SocketInfo;
      return replay(h.state, h.store, sender, info, h.meta(), h.core().room, e.lastSeq);
    }
    case "ack":
      outcome.ack = e.message;
      return;
    case "close_sender":
      return sender?.close(e.code, e.reason);
    case "event":
      return h.store.insertEvent(e.event);
    case "deliver":
      return void waits.push(h.deliver(e.message));
  }
}

/** Publishes a room notice to the tenant hub as a conversation event (best effort: a failure is logged). */
export function publishNotice(
  ctx: { hub: HubPort; log: { warn(msg: string, fields: Record<string, unknown>): void } },
  meta: RoomMeta,
  notice: Notice,
) {
  const { conversationId, botId, channel } = meta;
  const event = { ...notice, conversationId, botId, channel, at: new Date().toISOString() } as ConversationEvent;
  ctx.hub
    .publish(meta.tenantId, event)
    .catch((err: unknown) => ctx.log.warn("room: hub publish failed", { error: String(err), type: notice.type }));
}
