import { z } from "zod";
import { Invalid, NotFound } from "../../lib/errors";
import { hasPrefix, randomToken } from "../../lib/ids";
import { countAnswer, gatedAnswerer } from "../billing/answer-gate";
import type { AnswerCtx, AnswerDone, AnswerInput, AnswerTurn } from "../knowledge/answer-types";

/**
 * The OpenAI Chat Completions contract (`POST /v1/chat/completions`), answered by the same answerer
 * as chat. Voice platforms with a "custom LLM" (Vapi, ElevenLabs, Retell's adapter) call this, so
 * chat and phone share one brain. `model` is a bot id. Unknown request fields (tools, temperature,
 * Vapi's `call`/`metadata`, ElevenLabs' `elevenlabs_extra_body`) are accepted and ignored: the
 * answer is grounded in the bot's knowledge, not sampled.
 */
export const MAX_MESSAGES = 200;
export const MAX_MESSAGE_CHARS = 32_000;

const ContentPart = z.looseObject({ type: z.string().max(40), text: z.string().max(MAX_MESSAGE_CHARS).optional() });
const ChatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string().max(MAX_MESSAGE_CHARS), z.array(ContentPart).max(50), z.null()]).optional(),
});

export const ChatCompletionRequest = z.looseObject({
  model: z.string().min(1).max(64),
  messages: z.array(ChatMessage).min(1).max(MAX_MESSAGES),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  n: z.literal(1).nullish(),
  user: z.string().max(256).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

type ChatMessage = z.infer<typeof ChatMessage>;

function textOf(m: ChatMessage): string {
  if (typeof m.content === "string") return m.content;
  if (!m.content) return "";
  return m.content
    .filter((p) => p.type === "text" && typeof p.text === "string")
    .map((p) => p.text)
    .join("\n");
}

/** The caller's newest words: the text of the last message when it is the user's (a fresh turn), else undefined. */
export function newUserWords(req: ChatCompletionRequest): string | undefined {
  const last = req.messages.at(-1);
  const text = last?.role === "user" ? textOf(last).trim() : "";
  return text || undefined;
}

/** The last user message is the question; earlier user/assistant turns are history (system prompts are the bot's, not the caller's). */
export function toAnswerInput(req: ChatCompletionRequest, channel: "chat" | "voice"): AnswerInput {
  const turns = req.messages.filter((m) => m.role === "user" || m.role === "assistant");
  let last = -1;
  for (let i = turns.length - 1; i >= 0; i--) {
    if (turns[i]!.role === "user" && textOf(turns[i]!).trim()) {
      last = i;
      break;
    }
  }
  if (last < 0)
    throw new Invalid("messages must contain a user message with text", [
      { path: "messages", message: "no user message with text" },
    ]);
  const history: AnswerTurn[] = turns
    .slice(0, last)
    .map((m) => ({ role: m.role === "user" ? ("visitor" as const) : ("ai" as const), text: textOf(m).trim() }))
    .filter((t) => t.text);
  return { botId: req.model, question: textOf(turns[last]!).trim(), history, channel };
}

/** 404 (OpenAI's model_not_found) for a missing bot or another tenant's, before any stream starts. */
export async function requireBotModel(ctx: AnswerCtx, botId: string) {
  const bot = hasPrefix(botId, "bot") ? await ctx.repos.bots.get(ctx.tenantId, botId) : undefined;
  if (!bot) throw new NotFound("model", botId);
  return bot;
}

/** Rough token count for `usage` (the embedded answerer has no tokenizer): ~4 characters a token. */
export const approxTokens = (s: string) => Math.ceil(s.length / 4);

/**
 * The completion's `usage`: the provider's own token counts when it reported them (OpenAI-compatible,
 * Anthropic, Gemini); otherwise (the embedded answerer) an estimate of ~4 characters a token.
 */
function usageOf(input: AnswerInput, content: string, done: AnswerDone | undefined) {
  const prompt =
    done?.usage?.inputTokens ?? approxTokens([input.question, ...(input.history ?? []).map((h) => h.text)].join(" "));
  const completion = done?.usage?.outputTokens ?? approxTokens(content);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export type CompletionMeta = { id: string; created: number; model: string };
export const newCompletionMeta = (ctx: AnswerCtx, model: string): CompletionMeta => ({
  id: `chatcmpl-${randomToken(24)}`,
  created: Math.floor(ctx.clock.now() / 1000),
  model,
});

/** Echo's additions to OpenAI's objects (clients ignore unknown fields): the sources and confidence. */
const echoExtras = (done: AnswerDone) => ({
  sources: done.sources,
  confidence: done.confidence,
  handoff: done.handoff,
});

/** Non-streaming: one `chat.completion` object. */
export async function completeChat(
  ctx: AnswerCtx,
  req: ChatCompletionRequest,
  channel: "chat" | "voice",
  signal?: AbortSignal,
) {
  await requireBotModel(ctx, req.model);
  const input = toAnswerInput(req, channel);
  const meta = newCompletionMeta(ctx, req.model);
  const answer = await gatedAnswerer(ctx, undefined, req.model);
  let done: AnswerDone | undefined;
  let text = "";
  for await (const ev of answer(ctx, input, signal)) {
    if (ev.type === "delta") text += ev.text;
    else done = ev;
  }
  await countAnswer(ctx, meta.id, req.model, channel, done?.usage);
  const content = done?.answer ?? text;
  return {
    id: meta.id,
    object: "chat.completion" as const,
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant" as const, content, refusal: null },
        logprobs: null,
        finish_reason: "stop" as const,
      },
    ],
    usage: usageOf(input, content, done),
    system_fingerprint: null,
    ...(done && { echo: echoExtras(done) }),
  };
}

/**
 * Streaming: `chat.completion.chunk` objects as the official clients parse them — a first chunk
 * with the role, one chunk per answer delta, a last chunk with `finish_reason: "stop"`, then (when
 * `stream_options.include_usage`) a usage chunk with no choices. The caller frames them as SSE and
 * ends with `data: [DONE]`. Validation and the bot check happen before the first yield, so errors
 * are still ordinary HTTP errors.
 */
export async function streamChatChunks(
  ctx: AnswerCtx,
  req: ChatCompletionRequest,
  channel: "chat" | "voice",
  signal?: AbortSignal,
) {
  await requireBotModel(ctx, req.model);
  const input = toAnswerInput(req, channel);
  const meta = newCompletionMeta(ctx, req.model);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices,
    ...extra,
  });
  const includeUsage = req.stream_options?.include_usage === true;
  // asked before the first chunk, so a refusal is still an ordinary HTTP error
  const answer = await gatedAnswerer(ctx, undefined, req.model);
  async function* gen(): AsyncGenerator<Record<string, unknown>> {
    yield chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
    let text = "";
    let done: AnswerDone | undefined;
    for await (const ev of answer(ctx, input, signal)) {
      if (ev.type === "delta") {
        if (!ev.text) continue;
        text += ev.text;
        yield chunk([{ index: 0, delta: { content: ev.text }, logprobs: null, finish_reason: null }]);
      } else done = ev;
    }
    await countAnswer(ctx, meta.id, req.model, channel, done?.usage);
    yield chunk(
      [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }],
      done ? { echo: echoExtras(done) } : {},
    );
    if (includeUsage) yield chunk([], { usage: usageOf(input, done?.answer ?? text, done) });
  }
  return gen();
}

/** `GET /v1/models`: the tenant's bots as models. */
export async function listBotModels(ctx: AnswerCtx) {
  const bots = await ctx.repos.bots.list(ctx.tenantId);
  return {
    object: "list" as const,
    data: bots.map((b) => ({
      id: b.id,
      object: "model" as const,
      created: Math.floor(b.createdAt.getTime() / 1000),
      owned_by: "echo",
      name: b.name,
    })),
  };
}
