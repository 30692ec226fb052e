import { splitSentences, stem, stemSet } from "../text";
import { ANSWER_LIMITS, type AnswerModel, type GroundedPrompt, type Passage } from "./port";

/**
 * The embedded default: extractive. It selects the sentences of the retrieved passages that best
 * cover the question's (IDF-weighted) terms and stitches them in document order with `[n]`
 * citations. It never writes a word that is not in a passage (apart from the citation markers), so
 * it cannot invent facts; it answers in the knowledge base's language.
 */
export const offlineAnswerModel: AnswerModel = {
  name: "offline",
  async *stream(prompt, signal) {
    const text = extractAnswer(prompt);
    // stream word groups so callers exercise the same delta path as with an LLM
    const pieces = text.match(/\S+\s*/g) ?? [];
    for (let i = 0; i < pieces.length; i += 4) {
      if (signal?.aborted) return;
      yield pieces.slice(i, i + 4).join("");
    }
  },
};

type Candidate = { passage: Passage; rank: number; pos: number; text: string; score: number; covered: number };

/** Sentences longer than this (a flattened table, a wall of text) are cut at a word boundary. */
const MAX_SENTENCE_CHARS = 400;
/** Passages used at most, and how far below the best a passage may score and still contribute. */
const MAX_PASSAGES = 3;
const PASSAGE_FLOOR = 0.55;

export function extractAnswer(prompt: GroundedPrompt): string {
  const limit = prompt.channel === "voice" ? 2 : ANSWER_LIMITS[prompt.answerLength].sentences;
  const candidates = scoreSentences(prompt);
  if (candidates.length === 0) return "";
  const best = candidates.reduce((a, b) => (b.score > a.score ? b : a));
  const chosen = new Set<Candidate>([best]);
  for (const c of [...candidates].sort((a, b) => b.score - a.score)) {
    if (chosen.size >= limit) break;
    if (c.covered > 0 && c.score >= best.score * 0.5) chosen.add(c);
  }
  addContinuations(candidates, chosen, limit + 3);
  const ordered = [...chosen].sort((a, b) => a.rank - b.rank || a.pos - b.pos);
  return stitch(ordered, prompt.channel === "voice");
}

function scoreSentences(prompt: GroundedPrompt): Candidate[] {
  const weights = prompt.terms.map((t) => ({ stems: [t.term, ...(t.alts ?? [])].map(stem), weight: t.weight }));
  const total = weights.reduce((a, b) => a + b.weight, 0) || 1;
  const top = prompt.passages.filter((p) => p.score >= PASSAGE_FLOOR).slice(0, MAX_PASSAGES);
  const out: Candidate[] = [];
  top.forEach((passage, rank) => {
    const context = stemSet(`${passage.title} ${passage.heading}`);
    splitSentences(passage.text).forEach((raw, pos) => {
      const text =
        raw.length > MAX_SENTENCE_CHARS ? `${raw.slice(0, MAX_SENTENCE_CHARS).replace(/\s+\S*$/, "")}…` : raw;
      const words = stemSet(text);
      let own = 0;
      let ctx = 0;
      for (const { stems, weight } of weights) {
        if (stems.some((x) => words.has(x))) own += weight;
        else if (stems.some((x) => context.has(x))) ctx += weight;
      }
      // a sentence's own words count fully, its title/heading half; earlier passages and positions win ties
      const score = (own + 0.5 * ctx) / total + 0.1 * passage.score - 0.01 * pos - 0.05 * rank;
      out.push({ passage, rank, pos, text, score, covered: own });
    });
  });
  return out;
}

/** Sentences that open with a reference back ("They stay there…") belong with the one before. */
const ANAPHOR = /^(?:they|it|this|these|that|those|there|then|after that|afterwards)\b/i;

/**
 * A chosen sentence brings what depends on it: the steps after one that introduces a list ("To
 * export a notebook:"), and a following sentence that refers back to it.
 */
function addContinuations(candidates: Candidate[], chosen: Set<Candidate>, max: number) {
  for (const c of [...chosen]) {
    const following = candidates.find((x) => x.passage === c.passage && x.pos === c.pos + 1);
    if (following && ANAPHOR.test(following.text) && chosen.size < max) chosen.add(following);
    if (!/:\s*$/.test(c.text)) continue;
    const steps = candidates.filter((x) => x.passage === c.passage && x.pos > c.pos).sort((a, b) => a.pos - b.pos);
    for (const n of steps.slice(0, 6)) {
      if (chosen.size >= max) return;
      chosen.add(n);
    }
  }
}

function stitch(ordered: Candidate[], voice: boolean): string {
  const parts: string[] = [];
  let group: Candidate[] = [];
  const flush = () => {
    if (group.length === 0) return;
    const body = group.map((c) => (/[.!?:…]$/.test(c.text) ? c.text : `${c.text}.`)).join(" ");
    parts.push(voice ? stripMarkdown(body) : `${body} [${group[0]!.passage.n}]`);
    group = [];
  };
  for (const c of ordered) {
    if (group.length && group[0]!.passage !== c.passage) flush();
    group.push(c);
  }
  flush();
  return parts.join(voice ? " " : "\n\n");
}

function stripMarkdown(s: string): string {
  return s
    .replace(/[*_`#>|]+/g, "")
    .replace(/\[([^\]]+)\]\([^)]+\)/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}
