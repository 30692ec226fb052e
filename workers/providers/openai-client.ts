import OpenAI from "openai";

/** A tenant's OpenAI-compatible endpoint: OpenAI itself, Groq, Together, vLLM, Ollama… */
export type OpenAiSettings = {
  apiKey: string;
  /** e.g. https://api.openai.com/v1 (default) or http://localhost:11434/v1 */
  baseURL?: string;
  model: string;
  /** Injected in tests (an in-process OpenAI wire-format server); defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per-request timeout, ms (overrides each adapter's default). */
  timeoutMs?: number;
};

/**
 * The one place an OpenAI SDK client is made. Retries and timeouts differ per use (an answer a
 * visitor waits on, a 5 s classifier call), so they are passed per request, not per client; one
 * client then serves every adapter of a tenant's settings.
 */
export function openAiClient(s: OpenAiSettings): OpenAI {
  return new OpenAI({ apiKey: s.apiKey, baseURL: s.baseURL || undefined, fetch: s.fetch, maxRetries: 0 });
}
