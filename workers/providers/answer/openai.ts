import OpenAI from "openai";
import type { AnswerModel } from "./port";
import { buildMessages, maxTokensFor } from "./prompt";

/** A tenant's OpenAI-compatible endpoint: OpenAI itself, Groq, Together, vLLM, Ollama… */
export type OpenAiSettings = {
  apiKey: string;
  /** e.g. https://api.openai.com/v1 (default) or http://localhost:11434/v1 */
  baseURL?: string;
  model: string;
  /** Injected in tests (an in-process OpenAI wire-format server); defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
};

export const DEFAULT_OPENAI_MODEL = "gpt-4o-mini";

/** Streams through the official `openai` SDK (chat.completions with stream: true). */
export function openAiAnswerModel(s: OpenAiSettings): AnswerModel {
  const client = new OpenAI({
    apiKey: s.apiKey,
    baseURL: s.baseURL || undefined,
    fetch: s.fetch,
    // a visitor is waiting: one quick retry at most, and never a retry once tokens have flowed
    maxRetries: 1,
    timeout: s.timeoutMs ?? 30_000,
  });
  return {
    name: `openai:${s.model}`,
    async *stream(prompt, signal) {
      const stream = await client.chat.completions.create(
        {
          model: s.model,
          messages: buildMessages(prompt),
          stream: true,
          max_tokens: maxTokensFor(prompt),
          temperature: 0.2,
        },
        { signal },
      );
      for await (const chunk of stream) {
        const piece = chunk.choices[0]?.delta?.content;
        if (piece) yield piece;
      }
    },
  };
}

/** One non-streaming completion (settings check, drafts): the full text. */
export async function completeOnce(
  s: OpenAiSettings,
  prompt: Parameters<typeof buildMessages>[0],
  signal?: AbortSignal,
): Promise<string> {
  const client = new OpenAI({
    apiKey: s.apiKey,
    baseURL: s.baseURL || undefined,
    fetch: s.fetch,
    maxRetries: 0,
    timeout: s.timeoutMs ?? 30_000,
  });
  const res = await client.chat.completions.create(
    { model: s.model, messages: buildMessages(prompt), max_tokens: maxTokensFor(prompt), temperature: 0.2 },
    { signal },
  );
  return res.choices[0]?.message?.content ?? "";
}
