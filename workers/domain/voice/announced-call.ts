import type { VoiceCallRow, VoiceIntegrationRow } from "../../storage/schema";
import type { BaseCtx } from "../ctx";

/**
 * Retell's custom-LLM socket attaches only to a call Retell announced through a signed webhook
 * (issue 13, item 2): `call_started` (or any later signed call event) creates the call row, and the
 * socket URL's call id must name it. Anyone holding the socket URL could otherwise open a call of
 * their own, feed it a transcript and have it escalate into a ticket.
 *
 * Retell sends `call_started` and opens the socket at about the same moment, so an unknown id is
 * looked up again for a short grace period before the socket is refused. An ended call is refused
 * too: a captured URL cannot reattach to it.
 */
export const ANNOUNCE_GRACE_MS = 3000;
const POLL_MS = 250;

export async function announcedRetellCall(
  ctx: BaseCtx,
  integration: Pick<VoiceIntegrationRow, "id" | "tenantId">,
  providerCallId: string,
  opts: { graceMs?: number; sleep?: (ms: number) => Promise<unknown> } = {},
): Promise<VoiceCallRow | undefined> {
  const repo = ctx.repos.voiceCalls;
  const sleep = opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (opts.graceMs ?? ANNOUNCE_GRACE_MS);
  for (;;) {
    const call = await repo.byProviderCallId(integration.tenantId, integration.id, providerCallId);
    if (call) return call.state === "ended" ? undefined : call;
    if (Date.now() + POLL_MS > deadline) return undefined;
    await sleep(POLL_MS);
  }
}
