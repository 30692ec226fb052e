import type Anthropic from "@anthropic-ai/sdk";
import type { AnswerModel } from "./port";
import { buildMessages, maxTokensFor } from "./prompt";
import { splitSystem } from "./turns";

export const DEFAULT_ANTHROPIC_MODEL = "claude-3-5-haiku-latest";

export type AnthropicSettings = {
  apiKey: string;
  model: string;
  /** The API origin (ANTHROPIC_API_BASE, default https://api.anthropic.com); a local server in tests. */
  baseURL?: string;
  /** The egress fetch (lib/egress.ts) in production; a test's in-process server otherwise. */
  fetch?: typeof fetch;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
};

/**
 * The one place an Anthropic SDK client is made: no SDK retries (the fallback chain moves on instead).
 * The SDK is imported on first use, so a Worker whose bots never name Anthropic never loads it (and
 * the workers test pool does not carry its module graph into every file that builds the app).
 */
export async function anthropicClient(s: AnthropicSettings): Promise<Anthropic> {
  const { default: Sdk } = await import("@anthropic-ai/sdk");
  return new Sdk({ apiKey: s.apiKey, baseURL: s.baseURL || undefined, fetch: s.fetch, maxRetries: 0 });
}

/**
 * Streams through the official `@anthropic-ai/sdk` (Messages API, `stream: true`): text from
 * `content_block_delta` events; billed tokens from `message_start` (input) and `message_delta`
 * (cumulative output), reported once the stream ends (or breaks).
 */
export function anthropicAnswerModel(s: AnthropicSettings, client?: Anthropic): AnswerModel {
  const name = `anthropic:${s.model}`;
  return {
    name,
    async *stream(prompt, signal, report) {
      const { system, turns } = splitSystem(buildMessages(prompt));
      const sdk = client ?? (await anthropicClient(s));
      const stream = await sdk.messages.create(
        {
          model: s.model,
          max_tokens: maxTokensFor(prompt),
          system,
          messages: turns,
          stream: true,
        },
        { signal, timeout: s.timeoutMs ?? 30_000, maxRetries: 0 },
      );
      let inputTokens = 0;
      let outputTokens = 0;
      let seen = false;
      try {
        for await (const ev of stream) {
          if (ev.type === "message_start") {
            seen = true;
            inputTokens = ev.message.usage.input_tokens ?? 0;
            outputTokens = ev.message.usage.output_tokens ?? 0;
          } else if (ev.type === "message_delta") {
            seen = true;
            outputTokens = ev.usage.output_tokens ?? outputTokens;
            if (typeof ev.usage.input_tokens === "number") inputTokens = ev.usage.input_tokens;
          } else if (ev.type === "content_block_delta" && ev.delta.type === "text_delta" && ev.delta.text) {
            yield ev.delta.text;
          }
        }
      } finally {
        if (seen) report?.({ kind: "usage", model: name, inputTokens, outputTokens });
      }
    },
  };
}
