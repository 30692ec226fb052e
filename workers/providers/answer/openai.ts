import type OpenAI from "openai";
import { openAiClient, type OpenAiSettings } from "../openai-client";
import type { AnswerModel } from "./port";
import { buildMessages, maxTokensFor } from "./prompt";

export const DEFAULT_OPENAI_MODEL = "gpt-4o-mini";

export type { OpenAiSettings };

/** Streams through the official `openai` SDK (chat.completions with stream: true). */
export function openAiAnswerModel(s: OpenAiSettings, client: OpenAI = openAiClient(s)): AnswerModel {
  return {
    name: `openai:${s.model}`,
    async *stream(prompt, signal, report) {
      const stream = await client.chat.completions.create(
        {
          model: s.model,
          messages: buildMessages(prompt),
          stream: true,
          // the last chunk then carries the billed tokens (servers that ignore it send none)
          stream_options: { include_usage: true },
          max_tokens: maxTokensFor(prompt),
          temperature: 0.2,
        },
        // a visitor is waiting: one quick retry at most, and never a retry once tokens have flowed
        { signal, maxRetries: 1, timeout: s.timeoutMs ?? 30_000 },
      );
      for await (const chunk of stream) {
        const piece = chunk.choices[0]?.delta?.content;
        if (piece) yield piece;
        if (chunk.usage)
          report?.({
            kind: "usage",
            model: `openai:${s.model}`,
            inputTokens: chunk.usage.prompt_tokens,
            outputTokens: chunk.usage.completion_tokens,
          });
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
  const res = await openAiClient(s).chat.completions.create(
    { model: s.model, messages: buildMessages(prompt), max_tokens: maxTokensFor(prompt), temperature: 0.2 },
    { signal, timeout: s.timeoutMs ?? 30_000 },
  );
  return res.choices[0]?.message?.content ?? "";
}
