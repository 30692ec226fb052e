/**
 * Test-only helpers for the voice and /v1 tests (imported by *.test.ts files only).
 * Knowledge goes in through the public knowledge API and its real ingest queue.
 */
import { sign } from "../../lib/signatures";
import { call, eventually, expectJson } from "../../test/fixtures";

export async function seedKnowledge(token: string, title: string, paragraphs: string[]) {
  const src = await expectJson(
    call("/api/knowledge/sources", {
      method: "POST",
      token,
      json: { type: "text", title, text: paragraphs.join("\n\n") },
    }),
    202,
  );
  await eventually(
    async () => (await expectJson(call(`/api/knowledge/sources/${src.id}`, { token }), 200)).status as string,
    (s) => s === "ready" || s === "failed",
    20_000,
  );
  return src.id as string;
}

export const NIMBUS_DOCS = [
  "To reset your Nimbus Notes password, open Settings, choose Account, then click Reset password. We email you a reset link that is valid for 30 minutes.",
  "Nimbus Notes syncs your notes across devices every five minutes. You can force a sync from the menu with Sync now.",
  "The Pro plan costs 8 dollars per month and includes unlimited notebooks, offline mode and priority support.",
  "To export your notes, open File, choose Export, and pick Markdown or PDF. Exports include attachments up to 25 MB.",
];

/** Parses an SSE body into its data payloads (the `[DONE]` sentinel included as a string). */
export function parseSse(text: string): (Record<string, unknown> | "[DONE]")[] {
  return text
    .split("\n\n")
    .map((f) => f.trim())
    .filter((f) => f.startsWith("data: "))
    .map((f) => {
      const data = f.slice(6);
      return data === "[DONE]" ? "[DONE]" : (JSON.parse(data) as Record<string, unknown>);
    });
}

/**
 * Announces a Retell call the way Retell does before its LLM socket may attach: a `call_started`
 * webhook signed with the integration's API key (protocols.md §3.2).
 */
export async function announceRetellCall(webhookUrl: string, apiKey: string, callId: string) {
  const body = JSON.stringify({
    event: "call_started",
    call: { call_id: callId, from_number: "+14155550123", to_number: "+18005550100", start_timestamp: Date.now() },
  });
  return expectJson(
    call(new URL(webhookUrl).pathname, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-retell-signature": await sign.retell(apiKey, body, Date.now()),
      },
    }),
    200,
  );
}
