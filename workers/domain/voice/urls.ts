import type { VoiceIntegrationRow } from "../../storage/schema";

/**
 * Everything a provider must be configured with, built from the origin the Worker is reached at.
 * Custom-LLM endpoints carry the integration's capability token in their path (tokens.ts): voice
 * platforms call a custom LLM with a base URL, and Retell's WebSocket cannot carry headers we
 * choose, so the URL itself authenticates. Without `token` only the token-free URLs are returned.
 */
export function integrationUrls(
  origin: string,
  row: Pick<VoiceIntegrationRow, "id" | "provider">,
  token?: string,
): { webhook: string } & Record<string, string> {
  const base = `${origin}/hooks/voice/${row.provider}/${row.id}`;
  const llm = token ? `${base}/llm/${token}` : undefined;
  switch (row.provider) {
    case "vapi":
      return { webhook: base, ...(llm && { customLlm: llm }) };
    case "elevenlabs":
      return { webhook: base, initiation: `${base}/initiation`, ...(llm && { customLlm: llm }) };
    case "retell":
      return { webhook: base, ...(llm && { llmWebsocket: llm.replace(/^http/, "ws") }) };
    case "twilio":
      return { webhook: base, statusCallback: `${base}/status` };
  }
}
