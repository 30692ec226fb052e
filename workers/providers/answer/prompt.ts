import { ANSWER_LIMITS, type GroundedPrompt } from "./port";

/** Chat messages for LLM adapters: system rules + numbered passages, earlier turns, the question. */
export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

const LENGTH_RULE = {
  short: "Answer in one or two sentences.",
  medium: "Answer in at most one short paragraph or a short list.",
  long: "Answer thoroughly but stay on the question.",
} as const;

/** Passage text is capped so a prompt stays within small models' context windows. */
const MAX_PASSAGE_CHARS = 1800;
const MAX_HISTORY_TURNS = 6;

const TONE_RULE = {
  neutral: "",
  friendly: "Your tone is warm, casual and upbeat; address the visitor informally.",
  formal: "Your tone is formal and courteous; address the visitor formally and avoid slang and emoji.",
} as const;

/**
 * The one system prompt every LLM answer path uses (chat, voice, email, WhatsApp, `/v1`: all of
 * them call the knowledge answerer, whose adapters render it here), shaped by the bot's persona:
 * its name and role, tone, style rules, what it must never do, and its language.
 */
export function buildMessages(p: GroundedPrompt): ChatMessage[] {
  const persona = p.persona;
  const name = persona?.name ?? p.botName;
  const rules = [
    `You are ${name}, ${persona?.role ? persona.role : "a customer-support assistant"}.`,
    persona ? TONE_RULE[persona.tone] : "",
    persona?.styleRules.length ? `Style rules:\n${persona.styleRules.map((r) => `- ${r}`).join("\n")}` : "",
    persona?.never.length ? `You must never:\n${persona.never.map((r) => `- ${r}`).join("\n")}` : "",
    p.instructions ? `Instructions from the company:\n${p.instructions}` : "",
    "Answer only from the numbered passages below. Cite passages you used with their number in brackets, like [1].",
    "If the passages do not contain the answer, say you don't know and offer to connect the visitor with a person. Never invent facts, prices, links or steps.",
    p.uncovered?.length
      ? `The passages say nothing about ${p.uncovered.map((w) => `"${w}"`).join(", ")}. Your reply follows a line that already tells the visitor so and is followed by an offer of a person: do not repeat either, claim nothing about ${p.uncovered.length > 1 ? "them" : "it"}, and give in one or two sentences only what the passages say that comes closest to the question.`
      : "",
    LENGTH_RULE[p.answerLength],
    p.channel === "voice" ? "Your answer will be spoken: plain sentences, no markdown, no lists, no citations." : "",
    p.language
      ? persona?.languages.length
        ? `Answer in the language with code "${p.language}", unless the visitor writes in one of ${persona.languages.map((l) => `"${l}"`).join(", ")}: then answer in that language.`
        : `Answer in the language with code "${p.language}".`
      : "Answer in the language the visitor writes in.",
  ].filter(Boolean);
  const passages = p.passages
    .map((x) => `[${x.n}] ${x.title}${x.heading ? ` — ${x.heading}` : ""}\n${x.text.slice(0, MAX_PASSAGE_CHARS)}`)
    .join("\n\n");
  const history = p.history
    .slice(-MAX_HISTORY_TURNS)
    .map((t): ChatMessage => ({ role: t.role === "visitor" ? "user" : "assistant", content: t.text }));
  return [
    { role: "system", content: `${rules.join("\n")}\n\nPassages:\n${passages}` },
    ...history,
    { role: "user", content: p.question },
  ];
}

export const maxTokensFor = (p: GroundedPrompt) =>
  p.channel === "voice" ? ANSWER_LIMITS.short.maxTokens : ANSWER_LIMITS[p.answerLength].maxTokens;
