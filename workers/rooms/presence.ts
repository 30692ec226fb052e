import { createLog } from "../lib/log";
import type { HubPort } from "../contracts/hub";
import type { RoomOut, RoomState } from "./room-state";
import type { PhraseLanguage } from "../domain/knowledge/language";
import { noticesFor } from "./room-notices";

/**
 * Presence-aware hand-off (issue 22). When a conversation is handed to a person, the room asks the
 * tenant's hub whether someone who may take it (an operator with conversations:write and the inbox
 * open) is online, and says so: the hand-off system message and the visitors' `mode` frame carry
 * `agents`, and the widget offers the email capture only when `agents` is false.
 *
 * The room's shell keeps the hub's last answer (refreshed without blocking when a socket joins and on
 * every visitor message) and hands it to `decide` as the fact `agents`; room-core.ts applies
 * `withPresence` to every mode/status transition.
 */

/** How long a hand-off waits for the hub's answer before it goes out without one. */
export const PRESENCE_TIMEOUT_MS = 1500;

const log = createLog({ part: "presence" });

/** Whether an agent who may take a conversation is online; undefined when the hub did not answer in time. */
export async function agentsOnline(hub: Pick<HubPort, "agentsOnline">, tenantId: string): Promise<boolean | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      hub.agentsOnline(tenantId),
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

/** The room's last answer from the hub (undefined until one came), refreshed as visitors write. */
/**
 * How long the room trusts the hub's last answer for frames that do not wait (typing, read, msg): a
 * visitor typing sends several frames a second, and each need not wake the tenant hub.
 */
export const PRESENCE_FRESH_MS = 10_000;

/** The room's last answer from the hub (undefined until one came), refreshed as visitors write. */
export class AgentPresence {
  agents: boolean | undefined;
  private askedAt = -Infinity;

  /**
   * Asks the hub again. An explicit ask for a person (`wait`) always asks and waits for the answer
   * (bounded by PRESENCE_TIMEOUT_MS); other frames refresh a stale answer in the background.
   */
  async refresh(hub: Pick<HubPort, "agentsOnline">, tenantId: string, wait: boolean, now: number) {
    if (!wait && now - this.askedAt < PRESENCE_FRESH_MS) return;
    this.askedAt = now;
    const asking = agentsOnline(hub, tenantId).then((online) => {
      if (online !== undefined) this.agents = online;
    });
    if (wait) await asking;
  }
}

/** The hand-off message when the team's presence is known, in the room's language (room-notices.ts). */
export function handoffPresenceText(reason: string, agents: boolean, lang?: PhraseLanguage): string {
  const say = noticesFor(lang);
  if (!agents) return `${say.nobodyLead[reason] ?? ""}${say.nobody}`;
  return `${say.asked[reason] ?? say.asked.asked_for_human} ${say.teammateSoon}`;
}

export type PresenceOut = Omit<RoomOut, "mode"> & { mode?: RoomOut["mode"] & { agents?: boolean } };

/** Adds presence to a hand-off's output (message text, `agents` on the mode frame); other outputs pass through. */
export function withPresence(
  r: { state: RoomState; out: RoomOut },
  agents: boolean | undefined,
  lang?: PhraseLanguage,
): { state: RoomState; out: PresenceOut } {
  const { state, out } = r;
  if (agents === undefined || !out.escalated || out.mode?.mode !== "human" || state.status !== "waiting") return r;
  return {
    state,
    out: { ...out, system: handoffPresenceText(state.reason ?? "", agents, lang), mode: { ...out.mode, agents } },
  };
}
