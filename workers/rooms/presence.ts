import { createLog } from "../lib/log";
import type { AnyNamespace } from "./room-api";
import type { RoomEvent, RoomOut, RoomState } from "./room-state";
import { hubStub } from "./tenant-hub";

/**
 * Presence-aware hand-off (issue 22). When a conversation is handed to a person, the room asks the
 * tenant's hub whether someone who may take it (an operator with conversations:write and the inbox
 * open) is online, and says so: the hand-off system message and the visitors' `mode` frame carry
 * `agents`, and the widget offers the email capture only when `agents` is false.
 *
 * The room's only hook (ConversationRoom.transition):
 *   const agents = leadsToWaiting(event) ? await agentsOnline(this.env.TENANT_HUB, tenantId) : undefined;
 *   const { state, out } = withPresence(apply(this.state, event, Date.now()), agents);
 *   …
 *   this.toVisitors({ type: "mode", ...out.mode });
 */

/** How long a hand-off waits for the hub's answer before it goes out without one. */
export const PRESENCE_TIMEOUT_MS = 1500;

const log = createLog({ part: "presence" });

/** Events that may move the conversation to "waiting for a person". */
export function leadsToWaiting(event: RoomEvent): boolean {
  return (
    event.type === "ask_human" || event.type === "handoff" || (event.type === "set_mode" && event.mode === "human")
  );
}

/** Whether an agent who may take a conversation is online; undefined when the hub did not answer in time. */
export async function agentsOnline(ns: AnyNamespace, tenantId: string): Promise<boolean | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      hubStub(ns, tenantId).agentsOnline(tenantId),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), PRESENCE_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    log.warn("presence: hub did not answer", { error: String(err) });
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

const ASKED: Record<string, string> = {
  asked_for_human: "I've asked a person from the team to join.",
  low_confidence: "I'm not sure about this one, so I've asked a person from the team to join.",
  provider_failed: "Sorry, I couldn't finish that answer, so I've asked a person from the team to join.",
};

/** What the visitor is told first when nobody can join now (by hand-off reason). */
const NOBODY_LEAD: Record<string, string> = {
  low_confidence: "I'm not sure about this one. ",
  provider_failed: "Sorry, I couldn't finish that answer. ",
};

/** The hand-off message when the team's presence is known. */
export function handoffPresenceText(reason: string, agents: boolean): string {
  if (!agents)
    return `${NOBODY_LEAD[reason] ?? ""}No one from the team is online right now. Leave your email below and we'll reply by email as soon as we can.`;
  return `${ASKED[reason] ?? ASKED.asked_for_human} A teammate will join shortly and reply here.`;
}

export type PresenceOut = Omit<RoomOut, "mode"> & { mode?: RoomOut["mode"] & { agents?: boolean } };

/** Adds presence to a hand-off's output (message text, `agents` on the mode frame); other outputs pass through. */
export function withPresence(
  r: { state: RoomState; out: RoomOut },
  agents: boolean | undefined,
): { state: RoomState; out: PresenceOut } {
  const { state, out } = r;
  if (agents === undefined || !out.escalated || out.mode?.mode !== "human" || state.status !== "waiting") return r;
  return {
    state,
    out: { ...out, system: handoffPresenceText(state.reason ?? "", agents), mode: { ...out.mode, agents } },
  };
}
