import { hmac, timingSafeEqual, toHex } from "../../lib/crypto";
import type { VoiceIntegrationRow } from "../../storage/schema";

/**
 * Custom-LLM endpoints of an integration carry a capability token in their path: voice platforms
 * call a custom LLM with a base URL (and Retell's WebSocket cannot carry headers we choose), so the
 * URL itself authenticates. The token is an HMAC of the integration id under the app secret: it
 * needs no storage and dies with the integration.
 */
export async function llmToken(appSecret: string, integrationId: string): Promise<string> {
  return toHex(await hmac("SHA-256", appSecret, `voice-llm:${integrationId}`)).slice(0, 40);
}

export async function isLlmToken(appSecret: string, integrationId: string, token: string): Promise<boolean> {
  return timingSafeEqual(await llmToken(appSecret, integrationId), token);
}

/** Everything a provider must be configured with, built from the origin the Worker is reached at. */
export async function integrationUrls(
  origin: string,
  appSecret: string,
  row: Pick<VoiceIntegrationRow, "id" | "provider">,
): Promise<{ webhook: string } & Record<string, string>> {
  const base = `${origin}/hooks/voice/${row.provider}/${row.id}`;
  const token = await llmToken(appSecret, row.id);
  const llm = `${base}/llm/${token}`;
  switch (row.provider) {
    case "vapi":
      return { webhook: base, customLlm: llm };
    case "elevenlabs":
      return { webhook: base, initiation: `${base}/initiation`, customLlm: llm };
    case "retell":
      return { webhook: base, llmWebsocket: `${llm.replace(/^http/, "ws")}` };
    case "twilio":
      return { webhook: base, statusCallback: `${base}/status` };
  }
}
