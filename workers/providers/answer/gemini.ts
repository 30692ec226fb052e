import type { AnswerModel } from "./port";
import { buildMessages, maxTokensFor } from "./prompt";
import { splitSystem } from "./turns";

export const DEFAULT_GEMINI_MODEL = "gemini-2.0-flash";
export const DEFAULT_GEMINI_API_BASE = "https://generativelanguage.googleapis.com";

export type GeminiSettings = {
  apiKey: string;
  model: string;
  /** The API origin (GEMINI_API_BASE, default https://generativelanguage.googleapis.com); a local server in tests. */
  baseURL?: string;
  /** The egress fetch (lib/egress.ts) in production; a test's in-process server otherwise. */
  fetch?: typeof fetch;
};

/** One `data:` event of `streamGenerateContent?alt=sse` (the fields Echo reads). */
type GeminiChunk = {
  candidates?: { content?: { parts?: { text?: unknown; thought?: unknown }[] }; finishReason?: string }[];
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number };
  promptFeedback?: { blockReason?: string };
  error?: { message?: string; status?: string };
};

/**
 * Gemini through its published REST wire format, `models/{model}:streamGenerateContent?alt=sse`,
 * with the key in `x-goog-api-key`. The official `@google/genai` SDK is not used: it fetches with
 * the global `fetch` and takes no fetch of ours, so its calls could not go through the egress
 * policy. Text comes from `candidates[0].content.parts[].text`; billed tokens from the last
 * `usageMetadata` (prompt, and candidates + thoughts as output).
 */
export function geminiAnswerModel(s: GeminiSettings): AnswerModel {
  const name = `gemini:${s.model}`;
  const base = (s.baseURL || DEFAULT_GEMINI_API_BASE).replace(/\/+$/, "");
  const doFetch = s.fetch ?? fetch;
  return {
    name,
    async *stream(prompt, signal, report) {
      const { system, turns } = splitSystem(buildMessages(prompt));
      const res = await doFetch(`${base}/v1beta/models/${encodeURIComponent(s.model)}:streamGenerateContent?alt=sse`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-goog-api-key": s.apiKey },
        body: JSON.stringify({
          ...(system ? { systemInstruction: { parts: [{ text: system }] } } : {}),
          contents: turns.map((t) => ({ role: t.role === "user" ? "user" : "model", parts: [{ text: t.content }] })),
          generationConfig: { maxOutputTokens: maxTokensFor(prompt), temperature: 0.2 },
        }),
        signal,
      });
      if (!res.ok || !res.body) {
        const detail = await res
          .json<GeminiChunk>()
          .then((b) => b.error?.message)
          .catch(() => undefined);
        throw new Error(`gemini answered HTTP ${res.status}${detail ? `: ${detail}` : ""}`);
      }
      let usage: GeminiChunk["usageMetadata"];
      try {
        for await (const data of sseData(res.body, signal)) {
          let chunk: GeminiChunk;
          try {
            chunk = JSON.parse(data) as GeminiChunk;
          } catch {
            throw new Error("gemini sent a malformed event");
          }
          if (chunk.error) throw new Error(`gemini: ${chunk.error.message ?? chunk.error.status ?? "error"}`);
          if (chunk.usageMetadata) usage = chunk.usageMetadata;
          if (chunk.promptFeedback?.blockReason)
            throw new Error(`gemini blocked the prompt (${chunk.promptFeedback.blockReason})`);
          for (const part of chunk.candidates?.[0]?.content?.parts ?? [])
            if (typeof part.text === "string" && part.text && part.thought !== true) yield part.text;
        }
      } finally {
        if (usage)
          report?.({
            kind: "usage",
            model: name,
            inputTokens: usage.promptTokenCount ?? 0,
            outputTokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
          });
      }
    },
  };
}

/** The `data:` payloads of a server-sent event stream (multi-line data joined by "\n"), in order. */
export async function* sseData(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncIterable<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let data: string[] = [];
  try {
    for (;;) {
      if (signal?.aborted) return;
      const { value, done } = await reader.read();
      buf += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, "");
        buf = buf.slice(nl + 1);
        if (line === "") {
          if (data.length) yield data.join("\n");
          data = [];
        } else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (done) {
        if (buf.startsWith("data:")) data.push(buf.slice(5).replace(/^ /, ""));
        if (data.length) yield data.join("\n");
        return;
      }
    }
  } finally {
    // an early exit (abort, a consumer that stopped reading) closes the connection too
    await reader.cancel().catch(() => {});
  }
}
