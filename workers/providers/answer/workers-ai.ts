import type { AnswerModel } from "./port";
import { buildMessages, maxTokensFor } from "./prompt";

export const WORKERS_AI_ANSWER_MODEL = "@cf/meta/llama-3.1-8b-instruct-fast";

/**
 * Workers AI through the native `AI` binding. With `stream: true` the binding returns a
 * ReadableStream of server-sent events: `data: {"response":"…"}` lines, ending with `data: [DONE]`.
 */
export function workersAiAnswerModel(ai: Pick<Ai, "run">, model = WORKERS_AI_ANSWER_MODEL): AnswerModel {
  return {
    name: `workers-ai:${model}`,
    async *stream(prompt, signal) {
      // the binding's overloads are keyed by model literal; this adapter accepts any text model
      const run = ai.run as unknown as (m: string, input: unknown, opts?: unknown) => Promise<unknown>;
      const out = await run(
        model,
        { messages: buildMessages(prompt), stream: true, max_tokens: maxTokensFor(prompt) },
        { signal },
      );
      if (!(out instanceof ReadableStream)) {
        const text = (out as { response?: unknown })?.response;
        if (typeof text === "string") yield text;
        return;
      }
      yield* readSse(out as ReadableStream<Uint8Array>, signal);
    },
  };
}

/** Parses an SSE byte stream of `{"response": "..."}` events into text pieces; an `error` event throws. */
export async function* readSse(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncIterable<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  try {
    for (;;) {
      if (signal?.aborted) return;
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") return;
        const parsed = JSON.parse(data) as { response?: unknown; error?: unknown };
        if (parsed.error) throw new Error(`workers ai: ${JSON.stringify(parsed.error)}`);
        if (typeof parsed.response === "string" && parsed.response) yield parsed.response;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
