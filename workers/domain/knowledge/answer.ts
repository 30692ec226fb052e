import { offlineAnswerModel } from "../../providers/answer/offline";
import { answerOrderQuestion } from "../commerce/orders";
import { NotFound } from "../../lib/errors";
import type { AnswerModel } from "../../providers";
import type { AnswerReport, GroundedPrompt, Passage, QuestionType, WeightedTerm } from "../../providers/answer/port";
import type { BotRow } from "../../storage/schema";
import type {
  AnswerCtx,
  AnswerDone,
  AnswerEvent,
  AnswerInput,
  AnswerSource,
  AnswerTurn,
  AnswerUsage,
  StreamAnswer,
} from "./answer-types";
import { dialogueActOf, normalise, replyToAct } from "./dialogue-acts";
import { questionType } from "./question-type";
import { detectLanguage, phraseLanguage } from "./language";
import { botLanguage, instructionsOf, personaName, phraseLanguageOf, promptPersona, voiceOf } from "./persona";
import { asksQuantity, contentTerms } from "../../providers/text";
import { type Retrieval, retrieve } from "./retrieve";
import { type CacheQuestion, judgeProbe, piecesOf, probeAnswerCache, probeWithBot, storeAnswer } from "./answer-cache";

/** Passages handed to the model; the extractive default uses at most three of them. */
const MAX_PASSAGES = 5;
const SNIPPET_CHARS = 300;
/** Questions are bounded like chat messages. */
export const MAX_QUESTION_CHARS = 4000;

/**
 * The answerer (see answer-types.ts): retrieve, decide, generate, cite. Below the bot's confidence
 * threshold it abstains with an honest "I don't know" and `handoff: true`; a provider failure ends
 * the answer cleanly with `failure` set and an offer of a person. Always ends with one `done`.
 */
export const streamAnswer: StreamAnswer = (ctx, input, signal) => streamAnswerWith(ctx, input, {}, signal);

/** The same answerer on the embedded extractive model (no key, no cost): over quota when a bot chose it. */
export const streamEmbeddedAnswer: StreamAnswer = (ctx, input, signal) =>
  streamAnswerWith(ctx, input, { model: offlineAnswerModel }, signal);

/** Dependencies a caller (tests, evals) may fix instead of the configured ones. */
export type AnswerDeps = { model?: AnswerModel };

export async function* streamAnswerWith(
  ctx: AnswerCtx,
  input: AnswerInput,
  deps: AnswerDeps,
  signal?: AbortSignal,
): AsyncIterable<AnswerEvent> {
  const started = Date.now();
  const question = input.question.slice(0, MAX_QUESTION_CHARS).trim();
  const history = input.history ?? [];
  // a follow-up ("and for Teams?") is asked as the question it stands for; only a standalone one is cached
  const resolved = resolveFollowUp(question, history);
  const standalone = resolved.question === question;
  // a standalone question to a bot seen before: its row and the cache look-up in one round trip
  const early = standalone ? await earlyProbe(ctx, input, question, deps) : null;
  const bot = early?.bot ?? (await ctx.repos.bots.get(ctx.tenantId, input.botId));
  if (!bot) throw new NotFound("bot", input.botId);
  rememberBot(bot);
  const lang = languageFor(bot, input.language, question);
  // the fixed lines (abstention, failure, greeting, hand-off) in the persona's voice and language
  const phrases = voiceOf(bot, lang);

  // "where is my order #1001?": the commerce order tool answers (never retrieval), citing the order
  const order = await answerOrderQuestion(ctx, question, history, input.visitor).catch((err: unknown) => {
    ctx.log.warn("commerce: order look-up failed", { error: String(err), botId: bot.id });
    return null;
  });
  if (order) {
    yield { type: "delta", text: order.text };
    yield done({
      answer: order.text,
      sources: order.sources,
      confidence: 1,
      handoff: false,
      tool: "order",
      timings: { retrieveMs: 0, generateMs: 0, totalMs: Date.now() - started },
    });
    return;
  }
  const act =
    dialogueActOf(question, history, personaName(bot)) ??
    (contentTerms(question).length === 0 && !asksQuantity(question)
      ? { act: "empty" as const, found: [], lang: null }
      : null);
  if (act) {
    // a dialogue act ("hi", "thanks, that helps", "are you a bot?", "yes" to the bot's offer of a
    // person, "that didn't help"): the bot's own line, never retrieval, never a low-confidence
    // hand-off. Confidence 1: the reply is not a guess from passages, so triage's low-confidence
    // streak must not count it.
    const actLang = botLanguage(bot) !== "auto" ? lang : (act.lang ?? lang);
    const reply = personaReply(bot, act.act, actLang) ?? replyToAct(act, actLang, personaName(bot), history);
    yield { type: "delta", text: reply };
    yield done({
      answer: reply,
      sources: [],
      confidence: 1,
      handoff: act.act === "accept_offer",
      ...(act.act === "accept_offer" ? { handoffReason: "asked_for_human" as const } : {}),
      act: act.act,
      timings: { retrieveMs: 0, generateMs: 0, totalMs: Date.now() - started },
    });
    return;
  }
  // the answer cache (answer-cache.ts): standalone questions only, never a follow-up resolved
  // against this conversation; a failed look-up answers as if it missed
  const model = early?.model ?? deps.model ?? (await ctx.providers.answerModel(ctx.tenantId, bot.id).catch(() => null));
  const asked = model ? { question, language: lang, channel: input.channel ?? "chat", model: model.name } : null;
  const probe =
    asked && standalone
      ? early && sameQuestion(early.q, asked)
        ? judgeProbe(ctx, bot, asked, early.key, early.lookup)
        : await probeAnswerCache(ctx, bot, asked).catch((err: unknown) => {
            ctx.log.warn("knowledge: answer cache look-up failed", { error: String(err), botId: bot.id });
            return null;
          })
      : null;
  if (probe?.hit) {
    for (const piece of piecesOf(probe.hit.answer)) yield { type: "delta", text: piece };
    yield done({
      answer: probe.hit.answer,
      sources: probe.hit.sources,
      confidence: probe.hit.confidence,
      handoff: false,
      cached: true,
      timings: { retrieveMs: 0, generateMs: 0, totalMs: Date.now() - started },
    });
    return;
  }
  const retrieval = await retrieve(ctx, {
    question: resolved.question,
    botId: bot.id,
    knowledgeVersion: probe?.knowledgeVersion,
  });
  const retrieveMs = Date.now() - started;
  const timings = (genStart: number) => ({
    retrieveMs,
    generateMs: Date.now() - genStart,
    totalMs: Date.now() - started,
  });

  if (retrieval.chunks.length === 0 || retrieval.confidence < bot.settings.confidenceThreshold) {
    yield { type: "delta", text: phrases.dontKnow };
    yield done({
      answer: phrases.dontKnow,
      sources: [],
      confidence: retrieval.confidence,
      handoff: true,
      timings: timings(Date.now()),
    });
    return;
  }

  const genStart = Date.now();
  const prompt = promptFor(
    bot,
    question,
    input,
    resolved.question === question ? retrieval : { ...retrieval, terms: focusOn(question, retrieval.terms) },
    resolved.type,
  );
  // a question about something the knowledge never mentions ("can it send faxes?"): the reply says
  // so first, still gives the closest passage, and offers a person (retrieve.ts `uncoveredFocus`)
  const opening = retrieval.uncovered.length
    ? `${phrases.notCovered.replace("{what}", retrieval.uncovered.map((w) => `“${w}”`).join(", "))} `
    : "";
  let answer = opening;
  let generated = "";
  let failure: string | undefined;
  const ran = ranModel();
  if (opening) yield { type: "delta", text: opening };
  try {
    const m = model ?? (await ctx.providers.answerModel(ctx.tenantId, bot.id));
    ran.provider = m.name;
    for await (const piece of m.stream(prompt, signal, ran.report)) {
      generated += piece;
      yield { type: "delta", text: piece };
    }
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
    ctx.log.warn("knowledge: answer provider failed", { error: failure, botId: bot.id });
  }
  answer += generated;
  if (ran.skipped.length)
    ctx.log.warn("knowledge: answered by a fallback provider", {
      botId: bot.id,
      provider: ran.provider,
      skipped: ran.skipped,
    });
  if (signal?.aborted && !failure) failure = "aborted";
  if (failure || !generated.trim()) {
    const tail = `${answer.trim() ? "\n\n" : ""}${failure ? phrases.failed : phrases.dontKnow}`;
    answer += tail;
    yield { type: "delta", text: tail };
    yield done({
      answer,
      sources: sourcesOf(prompt.passages, answer),
      confidence: retrieval.confidence,
      handoff: true,
      failure: failure ?? "empty answer",
      timings: timings(genStart),
      ...ran.fields(),
    });
    return;
  }
  if (opening) {
    const closing = `\n\n${phrases.notCoveredOffer}`;
    answer += closing;
    yield { type: "delta", text: closing };
  }
  const grounded = done({
    answer,
    sources: sourcesOf(prompt.passages, answer),
    confidence: retrieval.confidence,
    ...(retrieval.uncovered.length ? { uncovered: retrieval.uncovered } : {}),
    handoff: false,
    timings: timings(genStart),
    ...ran.fields(),
  });
  // stored before the last event: a caller may stop reading at `done`
  if (probe) await storeAnswer(ctx, bot.id, probe, grounded);
  yield grounded;
}

/**
 * Bots as this isolate last read them (tenant:bot → row), only to guess a question's cache key
 * before the fresh row arrives: a stale guess costs a second look-up, never a wrong answer (the
 * fresh row decides the key, and the entry's bot version is checked against it).
 */
const seenBots = new Map<string, BotRow>();
const SEEN_BOTS_MAX = 1000;

function rememberBot(bot: BotRow) {
  const k = `${bot.tenantId}:${bot.id}`;
  seenBots.delete(k);
  seenBots.set(k, bot);
  if (seenBots.size > SEEN_BOTS_MAX) seenBots.delete(seenBots.keys().next().value!);
}

const sameQuestion = (a: CacheQuestion, b: CacheQuestion) =>
  a.question === b.question && a.language === b.language && a.channel === b.channel && a.model === b.model;

/**
 * The bot's read together with the cache look-up (one D1 round trip instead of two), for a
 * standalone question to a bot this isolate has answered for before: the key is guessed from that
 * row. Null when there is nothing to guess from or when the look-up fails (the caller then reads
 * the bot alone, as before). Carries the model it asked, so the caller does not ask again.
 */
async function earlyProbe(ctx: AnswerCtx, input: AnswerInput, question: string, deps: AnswerDeps) {
  const seen = seenBots.get(`${ctx.tenantId}:${input.botId}`);
  if (!seen) return null;
  const model = deps.model ?? (await ctx.providers.answerModel(ctx.tenantId, input.botId).catch(() => null));
  if (!model) return null;
  const q = {
    question,
    language: languageFor(seen, input.language, question),
    channel: input.channel ?? "chat",
    model: model.name,
  };
  return probeWithBot(ctx, input.botId, q)
    .then((r) => (r.bot ? { ...r, bot: r.bot, q, model } : null))
    .catch((err: unknown) => {
      ctx.log.warn("knowledge: answer cache look-up failed", { error: String(err), botId: input.botId });
      return null;
    });
}

/** Collects a model's reports: which model answered (the fallback chain says), skipped ones, billed tokens. */
function ranModel() {
  const r = {
    provider: "",
    skipped: [] as { model: string; error: string }[],
    usage: undefined as AnswerUsage | undefined,
    report(x: AnswerReport) {
      if (x.kind === "answered_by") {
        r.provider = x.model;
        r.skipped = x.skipped;
      } else {
        r.usage = {
          inputTokens: (r.usage?.inputTokens ?? 0) + x.inputTokens,
          outputTokens: (r.usage?.outputTokens ?? 0) + x.outputTokens,
        };
      }
    },
    fields: () => ({
      ...(r.provider ? { provider: r.provider } : {}),
      ...(r.skipped.length ? { skipped: r.skipped } : {}),
      ...(r.usage ? { usage: { ...r.usage, ...(r.provider ? { model: r.provider } : {}) } } : {}),
    }),
  };
  return r;
}

/**
 * The language of the fixed lines: the bot's (persona's) language, unless the visitor writes in one
 * of the persona's further languages; "auto": the visitor's.
 */
function languageFor(bot: BotRow, hint: string | undefined, question: string) {
  const own = phraseLanguage(botLanguage(bot), hint, question);
  const extra = bot.persona?.languages ?? [];
  if (extra.length === 0) return own;
  const seen = detectLanguage(question);
  return seen && extra.some((l) => phraseLanguageOf(l) === seen) ? seen : own;
}

/** A persona's own line for a greeting or an accepted offer of a person (null: the shared replies). */
function personaReply(bot: BotRow, act: string, lang: ReturnType<typeof languageFor>): string | null {
  if (!bot.persona) return null;
  if (act === "greeting") return voiceOf(bot, lang).greeting;
  if (act === "accept_offer") return voiceOf(bot, lang).handoff;
  return null;
}

function done(d: Omit<AnswerDone, "type">): AnswerDone {
  return { type: "done", ...d };
}

/** Words that open a follow-up in the widget's languages ("and yearly?", "what about Android?"). */
const FOLLOW_UP =
  /^(?:and|also|or|what about|how about|same for|y|y para|y si|et|et pour|ou|und|oder|und was ist mit|e|ou|e para|e quanto a)\b/;

/**
 * A follow-up ("and yearly?", "can I include attachments?") is resolved against the previous
 * visitor question: it is looked up together with that question's words, and when its own wording
 * does not say what kind of answer it wants, it wants the same kind as the question before.
 * A message counts as a follow-up when it opens like one, or when it is short (at most 4 words);
 * dialogue acts in between ("thanks") are skipped, so the previous *question* is used.
 */
export function resolveFollowUp(question: string, history: AnswerTurn[]): { question: string; type: QuestionType } {
  const own = questionType(question);
  const previous = [...history]
    .reverse()
    .find((t) => t.role === "visitor" && !dialogueActOf(t.text, [], "") && contentTerms(t.text).length > 0)?.text;
  if (!previous) return { question, type: own };
  const words = question.split(/\s+/).filter(Boolean).length;
  const opens = FOLLOW_UP.test(normalise(question));
  if (!opens && words > 4) return { question, type: own };
  return { question: `${question} ${previous}`, type: own === "other" ? questionType(previous) : own };
}

function promptFor(
  bot: BotRow,
  question: string,
  input: AnswerInput,
  r: Retrieval,
  questionType: QuestionType,
): GroundedPrompt {
  const top = r.chunks[0]?.score || 1;
  const passages: Passage[] = r.chunks.slice(0, MAX_PASSAGES).map((c, i) => ({
    n: i + 1,
    sourceId: c.sourceId,
    title: c.title,
    url: c.url,
    heading: c.heading,
    text: c.text,
    score: c.score / top,
  }));
  // "auto": the model answers in the language of the question (more reliable than a browser hint)
  const own = botLanguage(bot);
  const language = own !== "auto" ? own : null;
  return {
    question,
    history: input.history ?? [],
    passages,
    botName: personaName(bot),
    instructions: instructionsOf(bot),
    persona: promptPersona(bot),
    language,
    answerLength: bot.settings.answerLength,
    channel: input.channel ?? "chat",
    terms: r.terms,
    ...(r.uncovered.length ? { uncovered: r.uncovered } : {}),
    questionType,
  };
}

/**
 * How much a follow-up's own words weigh when picking the answer's sentences: twice their weight, and
 * at least half again the heaviest word of the previous question, so a name that is common in the
 * knowledge ("Teams", in every plan table) still outweighs the one it replaces ("Plus").
 */
const FOLLOW_UP_FOCUS = { factor: 2, overPrevious: 1.5 };

/**
 * A follow-up is looked up together with the previous question, but what it names is what it asks
 * about: "what about Teams?" after "How fast does support reply on Plus?" must bring the Teams row,
 * not the Plus row. Only the sentence choice weighs them up; retrieval and confidence do not.
 */
export function focusOn(followUp: string, terms: WeightedTerm[]): WeightedTerm[] {
  const own = new Set(contentTerms(followUp));
  const previous = Math.max(0, ...terms.filter((t) => !own.has(t.term)).map((t) => t.weight));
  return terms.map((t) =>
    own.has(t.term)
      ? {
          ...t,
          weight: Math.max(t.weight * FOLLOW_UP_FOCUS.factor, previous * FOLLOW_UP_FOCUS.overPrevious),
        }
      : t,
  );
}

/**
 * Sources an answer leaned on: the passages it cites with `[n]`, else (voice answers, models that
 * do not cite) the best passage; each source once.
 */
function sourcesOf(passages: Passage[], answer: string): AnswerSource[] {
  const cited = new Set([...answer.matchAll(/\[(\d{1,2})\]/g)].map((m) => Number(m[1])));
  const used = passages.filter((p) => cited.has(p.n));
  const list = used.length ? used : passages.slice(0, 1);
  const seen = new Set<string>();
  return list.flatMap((p) => {
    if (seen.has(p.sourceId)) return [];
    seen.add(p.sourceId);
    return [{ sourceId: p.sourceId, title: p.title, url: p.url, snippet: snippet(p.text) }];
  });
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= SNIPPET_CHARS ? flat : `${flat.slice(0, SNIPPET_CHARS - 1).replace(/\s+\S*$/, "")}…`;
}

/** Collects a stream into its `done` event (the `ask` endpoint and evals use it). */
export async function answerOnce(events: AsyncIterable<AnswerEvent>): Promise<AnswerDone> {
  for await (const e of events) if (e.type === "done") return e;
  throw new Error("answer stream ended without done");
}
