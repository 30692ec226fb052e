import type { AnswerModel, AnswerReport } from "./port";
import { buildMessages, maxTokensFor } from "./prompt";

export const WORKERS_AI_ANSWER_MODEL = "@cf/meta/llama-3.1-8b-instruct-fast";

/**
 * Workers AI through the native `AI` binding. With `stream: true` the binding returns a
 * ReadableStream of server-sent events: `data: {"response":"…"}` lines, ending with `data: [DONE]`;
 * an event may carry `usage: {prompt_tokens, completion_tokens}` (the billed tokens, last one wins),
 * reported once the stream ends — as Cloudflare's own `workers-ai-provider` reads it.
 */
export function workersAiAnswerModel(ai: Pick<Ai, "run">, model = WORKERS_AI_ANSWER_MODEL): AnswerModel {
  const name = `workers-ai:${model}`;
  return {
    name,
    async *stream(prompt, signal, report) {
      // the binding's overloads are keyed by model literal; this adapter accepts any text model
      const run = ai.run as unknown as (m: string, input: unknown, opts?: unknown) => Promise<unknown>;
      const out = await run(
        model,
        { messages: buildMessages(prompt), stream: true, max_tokens: maxTokensFor(prompt) },
        { signal },
      );
      const usage: { seen?: Usage } = {};
      if (!(out instanceof ReadableStream)) {
        const text = (out as { response?: unknown })?.response;
        if (typeof text === "string") yield text;
        usage.seen = usageOf(out);
      } else yield* readSse(out as ReadableStream<Uint8Array>, signal, usage);
      if (usage.seen) reportUsage(report, name, usage.seen);
    },
  };
}

type Usage = { prompt_tokens?: unknown; completion_tokens?: unknown };
const usageOf = (x: unknown): Usage | undefined => {
  const u = (x as { usage?: unknown } | null)?.usage;
  return u && typeof u === "object" ? (u as Usage) : undefined;
};
function reportUsage(report: ((r: AnswerReport) => void) | undefined, model: string, u: Usage) {
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0);
  report?.({ kind: "usage", model, inputTokens: n(u.prompt_tokens), outputTokens: n(u.completion_tokens) });
}

/**
 * Parses an SSE byte stream of `{"response": "..."}` events into text pieces; an `error` event
 * throws; the last `usage` seen is left in `usage.seen`.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
  usage?: { seen?: Usage },
): AsyncIterable<string> {
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
        const parsed = JSON.parse(data) as { response?: unknown; error?: unknown; usage?: unknown };
        if (parsed.error) throw new Error(`workers ai: ${JSON.stringify(parsed.error)}`);
        const u = usageOf(parsed);
        if (u && usage) usage.seen = u;
        if (typeof parsed.response === "string" && parsed.response) yield parsed.response;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
