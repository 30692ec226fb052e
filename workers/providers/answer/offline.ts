import { splitSentences, stem, stemSet } from "../text";
import { ANSWER_LIMITS, type AnswerModel, type GroundedPrompt, type Passage, type QuestionType } from "./port";

/**
 * The embedded default: extractive. It states what was asked: the sentence of the retrieved
 * passages that best covers the question's (IDF-weighted) terms *and* has the shape of the wanted
 * answer (a price, a count, a duration, a menu path, the steps of a list), plus only those further
 * sentences that add something the first does not cover. Table rows (stored as labelled facts,
 * "Plan: Pro; Monthly price: $9.99 per month; …") are cut to the cells the question is about.
 * Steps come as a numbered list, in order; a yes/no question gets "Yes." or "No." first when the
 * chosen sentence says it plainly. Apart from that lead word, list numbers and `[n]` citations it
 * never writes a word that is not in a passage, so it cannot invent facts.
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

type Unit = {
  passage: Passage;
  rank: number;
  pos: number;
  text: string;
  /** Index of the list block the unit is an item of, per passage; -1 for prose. */
  list: number;
  ordered: boolean;
  score: number;
  /** IDF weight of the question terms the unit itself contains. */
  covered: number;
  /** Which question terms (by index) the unit contains. */
  terms: Set<number>;
  /** IDF weight of the question terms found only in the unit's passage title or heading. */
  context: number;
  /** A prose sentence that opens with "It" / "They" / "This" / "These" reads with the one before it. */
  leansOnPrevious: boolean;
};

/** A sentence whose subject is a pronoun for the one before ("It is included in the Pro and Teams plans."). */
const PRONOUN_SUBJECT = /^(?:it|they|this|these)\s+(?!is\s+(?:why|how|where|what)\b)\p{L}/iu;

/** Sentences longer than this (a flattened table, a wall of text) are cut at a word boundary. */
const MAX_SENTENCE_CHARS = 400;
/** Passages used at most, and how far below the best a passage may score and still contribute. */
const MAX_PASSAGES = 3;
const PASSAGE_FLOOR = 0.55;
/** Steps listed at most for a how-to answer. */
const MAX_STEPS = 8;
/** Sentences in a prose answer at most, whatever the bot's length setting: short answers read better. */
const MAX_PROSE = 3;

/** The shape of an answer of each type; a unit with it gets `SHAPE_BONUS`. */
const SHAPES: Partial<Record<QuestionType, RegExp>> = {
  price: /[$€£]\s?\d|\d\s?(?:€|\$|usd|eur|dollars?|euros?)\b/i,
  // "no device limit" and "unlimited" answer "how many" as a number does
  number: /\d|\bunlimited\b|\bno (?:\w+ )?limit\b/i,
  duration:
    /\b\d[\d,.]*\s*(?:-|to)?\s*\d*\s*(?:(?:business|working|calendar)\s+)?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b|\bevery\b|\b(?:hourly|daily|weekly|monthly|yearly|immediately|instantly|real time)\b/i,
  // a clock time, a weekday, a time zone, a relative time, or a calendar point ("on the same date each year")
  when: /\b\d{1,2}:\d{2}\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b|\b(?:am|pm|cet|utc|gmt)\b|\bwithin\b|\bafter\b|\bbefore\b|\b(?:each|every|same|first|last) (?:day|date|week|month|year)\b/i,
  where: /\*\*[^*]*>[^*]*\*\*|\b\w+ > \w+/,
  howto: /\*\*[^*]*>[^*]*\*\*|\b\w+ > \w+|^(?:open|go to|click|tap|choose|select|enter|turn on|install|sign in)\b/i,
  problem: /^(?:check|make sure|open|go to|click|tap|choose|try|restart|update|sign out|contact)\b/i,
};
const SHAPE_BONUS = 0.25;
/** Question types whose answer is a value: the reply must hold one. */
const ANSWER_SHAPED = new Set<QuestionType>(["price", "number", "duration", "when"]);

/** "What is X?", "what are X?", "what does / can X do?", "tell me about X": a question for a definition (English). */
const DEFINITION =
  /^\s*(?:what\s+(?:is|are)\b|what[’']?s\b|what\s+(?:does|do|can)\b.*\bdo\s*\??\s*$|tell\s+me\s+about\b)/i;

/**
 * "Which browsers does it work in?", "what payment methods do you accept?": a question for the members
 * of a set (which/what, a plural noun, then a verb) wants the sentence that lists them. The noun (group
 * 1) names the set; the list names its members, so a listing sentence needs no "browsers" to answer.
 */
const ENUMERATION =
  /^\s*(?:which|what)\s+(?:[\p{L}\d-]+\s+){0,2}([\p{L}-]{3,}s)\s+(?:are|is|do|does|did|can|could|will|would|should|work|works|there)\b/iu;
/** A sentence that lists things, each of a few words: "Chrome, Firefox, Microsoft Edge and Safari", "Visa, Mastercard or PayPal". */
const LISTS_ITEMS = /[\p{L}\d)]\s*,\s*(?:[\p{L}\d.+'’-]+\s+){0,3}?[\p{L}\d.+'’-]+\s+(?:and|or)\s+[\p{L}\d]/u;

/**
 * Whether a sentence defines the question's subject: it opens with it ("Nimbus AI summarises notes…"
 * for "what is Nimbus AI?"), every question word within its first four words after an article.
 */
function definesSubject(text: string, stems: string[][]): boolean {
  const opening = new Set(
    (text.match(/[\p{L}\p{N}]+/gu) ?? [])
      .map((w) => w.toLowerCase())
      .filter((w, i) => !(i === 0 && /^(?:the|a|an)$/.test(w)))
      .slice(0, 4)
      .map(stem),
  );
  return stems.length > 0 && stems.every((alts) => alts.some((x) => opening.has(x)));
}

export function extractAnswer(prompt: GroundedPrompt): string {
  const voice = prompt.channel === "voice";
  const limit = Math.min(voice ? 2 : ANSWER_LIMITS[prompt.answerLength].sentences, MAX_PROSE);
  const type = prompt.questionType ?? "other";
  const units = scoreUnits(prompt, type);
  if (units.length === 0) return "";
  const shape = SHAPES[type];
  const best = units.reduce((a, b) => (b.score > a.score ? b : a));
  const chosen = new Set<Unit>([best]);
  const total = prompt.terms.reduce((a, t) => a + t.weight, 0) || 1;

  let steps = stepsFor(best, units, type);
  // a list is the answer only when it (with its heading) is about most of the question: the steps
  // for downloading an invoice do not answer "how do I change my billing email?"
  if (steps.length && listCoverage([best, ...steps], prompt) < 0.6) steps = [];
  for (const s of steps) chosen.add(s);
  if (steps.length === 0) {
    // further sentences only when they add question terms the answer does not cover yet
    const covered = new Set(best.terms);
    for (const u of [...units].sort((a, b) => b.score - a.score)) {
      if (chosen.size >= limit) break;
      if (u.score < best.score * 0.6) break;
      const novel = [...u.terms].filter((i) => !covered.has(i)).reduce((a, i) => a + prompt.terms[i]!.weight, 0);
      if (novel / total < 0.15) continue;
      chosen.add(u);
      for (const i of u.terms) covered.add(i);
    }
    // a question for a price, a count or a duration is answered with one: when the best sentence has
    // none ("Go to Settings > Account > Export all data."), the best one that has it and shares a
    // question word comes along ("You can request a full export once every 24 hours.")
    if (shape && ANSWER_SHAPED.has(type) && !shape.test(best.text)) {
      const shaped = units
        .filter((u) => u.covered > 0 && shape.test(u.text) && u.score >= best.score * 0.6)
        .sort((a, b) => b.score - a.score)[0];
      if (shaped) chosen.add(shaped);
    }
    addAnaphor(units, chosen, limit + 1);
    addAntecedent(units, chosen, voice ? limit : limit + 1);
    addConsequence(best, units, chosen, limit + 1);
    // a step of a numbered list brings its whole list, in order, for a how-to or a problem
    if (type === "howto" || type === "problem")
      for (const u of [...chosen])
        if (u.ordered) {
          const list = stepsFor(u, units, type);
          if (listCoverage(list, prompt) >= 0.6) for (const s of list) chosen.add(s);
        }
  }
  const ordered = [...chosen].sort((a, b) => a.rank - b.rank || a.pos - b.pos);
  const focused = ordered.map((u) => ({ ...u, text: focusFact(u.text, prompt, type) }));
  const body = stitch(focused, voice);
  // "Yes." or "No." asserts the whole question, so only when the sentence (with its title and
  // heading) holds every question word: "Admins invite people…" must not answer "Do invited people
  // need to pay?" with "Yes."
  const lead = type === "yesno" && (best.covered + best.context) / total >= 0.999 ? polarity(best.text) : null;
  return lead ? `${lead} ${body}` : body;
}

/** Splits a passage into units: prose sentences, and the items of each list block (numbered or not). */
function unitsOf(text: string): { text: string; list: number; ordered: boolean }[] {
  const out: { text: string; list: number; ordered: boolean }[] = [];
  let list = -1;
  let inList = false;
  for (const block of text.split(/\n\s*\n/)) {
    inList = false;
    for (const line of block.split("\n")) {
      const item = line.match(/^\s*(?:([-*+•])|(\d+)[.)])\s+(.*)$/);
      if (item) {
        if (!inList) list++;
        inList = true;
        out.push({ text: item[3]!.trim(), list, ordered: !!item[2] });
        continue;
      }
      // table facts (one labelled row per line) are items of a list too
      if (/^[^:;]{1,60}: [^;]+(?:; [^:;]{1,60}: [^;]+)+\.?$/.test(line.trim())) {
        if (!inList) list++;
        inList = true;
        out.push({ text: line.trim(), list, ordered: false });
        continue;
      }
      inList = false;
      for (const s of splitSentences(line)) out.push({ text: s, list: -1, ordered: false });
    }
  }
  return out.filter((u) => u.text.length > 1);
}

/** Passages of one source among those the sentences are picked from, at most. */
const PER_SOURCE = 2;

/**
 * The passages the sentences are picked from: the best `MAX_PASSAGES`, but at most `PER_SOURCE` of
 * one source while another source clears the floor, in their original order. The three best chunks
 * are often one long page (a price table split in three), and the sentence that answers — "If you
 * were charged twice…, we refund the duplicate charge" — is on the next page down.
 */
export function diversePassages<P extends { sourceId: string }>(passages: P[], max = MAX_PASSAGES): P[] {
  const taken = new Set<P>();
  const perSource = new Map<string, number>();
  for (const p of passages) {
    if (taken.size >= max) break;
    const n = perSource.get(p.sourceId) ?? 0;
    if (n >= PER_SOURCE) continue;
    taken.add(p);
    perSource.set(p.sourceId, n + 1);
  }
  for (const p of passages) if (taken.size < max) taken.add(p);
  return passages.filter((p) => taken.has(p));
}

function scoreUnits(prompt: GroundedPrompt, type: QuestionType): Unit[] {
  const weights = prompt.terms.map((t) => ({ stems: [t.term, ...(t.alts ?? [])].map(stem), weight: t.weight }));
  const total = weights.reduce((a, b) => a + b.weight, 0) || 1;
  const shape = SHAPES[type];
  // a definition question ("what is Nimbus AI?") wants the sentence with its subject up front
  const definition = type === "other" && DEFINITION.test(prompt.question);
  const setNoun = type === "other" ? ENUMERATION.exec(prompt.question)?.[1] : undefined;
  const setTerm = setNoun ? weights.findIndex((w) => w.stems.includes(stem(setNoun))) : -1;
  const subject = weights.map((w) => w.stems);
  const top = diversePassages(prompt.passages.filter((p) => p.score >= PASSAGE_FLOOR));
  const out: Unit[] = [];
  top.forEach((passage, rank) => {
    const context = stemSet(`${passage.title} ${passage.heading}`);
    const all = unitsOf(passage.text);
    all.forEach((u, pos) => {
      const text =
        u.text.length > MAX_SENTENCE_CHARS ? `${u.text.slice(0, MAX_SENTENCE_CHARS).replace(/\s+\S*$/, "")}…` : u.text;
      // a pronoun subject stands for what the sentence before is about: its words count here too
      const before = all[pos - 1];
      const leansOnPrevious = pos > 0 && u.list < 0 && before!.list < 0 && PRONOUN_SUBJECT.test(text);
      const words = stemSet(leansOnPrevious ? `${before!.text} ${text}` : text);
      let own = 0;
      let ctx = 0;
      const terms = new Set<number>();
      const found = weights.map(({ stems }) => stems.some((x) => words.has(x)));
      // a sentence listing things, about the question's other words (its own, or its heading's:
      // "We accept Visa, …" under "Payment methods we accept"), names members of the asked set
      const lists =
        setNoun !== undefined &&
        LISTS_ITEMS.test(text) &&
        weights.some(({ stems }, i) => i !== setTerm && (found[i] || stems.some((x) => context.has(x))));
      weights.forEach(({ stems, weight }, i) => {
        if (found[i] || (lists && i === setTerm)) {
          own += weight;
          terms.add(i);
        } else if (stems.some((x) => context.has(x))) ctx += weight;
      });
      // the sentence's own words count fully, its title/heading half; a sentence with the asked
      // shape (a price for a price question) wins over one that only shares words; earlier
      // passages and positions win ties
      const shaped =
        (shape && own > 0 && shape.test(text)) || (definition && definesSubject(text, subject)) || lists
          ? SHAPE_BONUS
          : 0;
      const score = (own + 0.5 * ctx) / total + shaped + 0.1 * passage.score - 0.01 * pos - 0.05 * rank;
      out.push({
        passage,
        rank,
        pos,
        text,
        list: u.list,
        ordered: u.ordered,
        score,
        covered: own,
        terms,
        context: ctx,
        leansOnPrevious,
      });
    });
  });
  return out;
}

/**
 * The steps a how-to or problem question wants: the whole ordered list the best unit belongs to,
 * or the list right after a sentence that introduces it ("To export a notebook:").
 */
function stepsFor(best: Unit, units: Unit[], type: QuestionType): Unit[] {
  const same = units.filter((u) => u.passage === best.passage);
  const listOf = (n: number) => same.filter((u) => u.list === n).slice(0, MAX_STEPS);
  if (/:\s*$/.test(best.text)) {
    const next = same.find((u) => u.pos === best.pos + 1);
    if (next && next.list >= 0) return listOf(next.list);
  }
  if ((type === "howto" || type === "problem") && best.list >= 0 && best.ordered) return listOf(best.list);
  return [];
}

/** IDF-weighted share of the question covered by a list's items together with its passage's title and heading. */
function listCoverage(list: Unit[], prompt: GroundedPrompt): number {
  if (list.length === 0) return 0;
  const total = prompt.terms.reduce((a, t) => a + t.weight, 0) || 1;
  const p = list[0]!.passage;
  const context = stemSet(`${p.title} ${p.heading}`);
  let hit = 0;
  prompt.terms.forEach((t, i) => {
    const stems = [t.term, ...(t.alts ?? [])].map(stem);
    if (list.some((u) => u.terms.has(i)) || stems.some((x) => context.has(x))) hit += t.weight;
  });
  return hit / total;
}

/**
 * A best sentence that states a condition ("If the same note was edited on two devices…, Nimbus
 * Notes keeps both versions.") mostly restates the question; what happens is told in the sentence
 * after it ("The second one is saved as a new note named "Conflicted copy"…"), so that comes too.
 */
const CONDITION = /^(?:if|when|whenever|once|in case)\b/i;

function addConsequence(best: Unit, units: Unit[], chosen: Set<Unit>, max: number) {
  if (best.list >= 0 || !CONDITION.test(best.text) || chosen.size >= max) return;
  const next = units.find((x) => x.passage === best.passage && x.pos === best.pos + 1);
  if (next && next.list < 0 && !CONDITION.test(next.text)) chosen.add(next);
}

/** Sentences that open with a reference back ("They stay there…") belong with the one before. */
const ANAPHOR = /^(?:they|it|this|these|that|those|there|then|after that|afterwards)\b/i;

function addAnaphor(units: Unit[], chosen: Set<Unit>, max: number) {
  for (const c of [...chosen]) {
    const following = units.find((x) => x.passage === c.passage && x.pos === c.pos + 1);
    if (following && following.list < 0 && ANAPHOR.test(following.text) && chosen.size < max) chosen.add(following);
  }
}

/** A chosen sentence with a pronoun subject brings the sentence it points back to. */
function addAntecedent(units: Unit[], chosen: Set<Unit>, max: number) {
  for (const c of [...chosen]) {
    if (!c.leansOnPrevious || chosen.size >= max) continue;
    const previous = units.find((x) => x.passage === c.passage && x.pos === c.pos - 1);
    if (previous) chosen.add(previous);
  }
}

/**
 * A table fact cut to the cells asked about: the row's name, then the cells whose column shares the
 * most words with the question ("per year" → "Yearly price"), or for a price question without such
 * a column the cells holding a price. Any other line is returned as it is.
 */
export function focusFact(
  line: string,
  prompt: Pick<GroundedPrompt, "question" | "terms">,
  type: QuestionType,
): string {
  const cells = factCells(line);
  if (!cells || cells.length < 3) return line;
  const q = new Set(
    [...stemSet(prompt.question), ...prompt.terms.flatMap((t) => [t.term, ...(t.alts ?? [])]).map(stem)].filter(
      (w) => w.length > 2,
    ),
  );
  const [key, ...rest] = cells as [Cell, ...Cell[]];
  const overlap = rest.map((c) => [...stemSet(c.name)].filter((w) => q.has(w)).length);
  const most = Math.max(...overlap);
  let keep = most > 0 ? rest.filter((_, i) => overlap[i] === most) : [];
  if (keep.length === 0 && type === "price") keep = rest.filter((c) => SHAPES.price!.test(c.value));
  if (keep.length === 0 || keep.length === rest.length) return line;
  return `${[key, ...keep].map((c) => `${c.name}: ${c.value}`).join("; ")}.`;
}

type Cell = { name: string; value: string };

function factCells(line: string): Cell[] | null {
  if (!/^[^:;]{1,60}: [^;]+(?:; [^:;]{1,60}: [^;]+)+\.?$/.test(line.trim())) return null;
  return line
    .trim()
    .replace(/\.$/, "")
    .split("; ")
    .map((p) => {
      const i = p.indexOf(": ");
      return { name: p.slice(0, i), value: p.slice(i + 2) };
    });
}

const NEGATED =
  /\b(?:is|are|was|were|can|do|does|did|will|be|has|have)\s+not\b|\b(?:cannot|can't|don't|doesn't|isn't|aren't|won't|wasn't|never)\b|\bnot (?:supported|available|possible|included|allowed|used)\b/i;
const HEDGED = /\b(?:only|unless|except|depends|but)\b/i;

/** "Yes." or "No." when a sentence states it plainly; null when it is conditional ("only on Teams"). */
function polarity(text: string): "Yes." | "No." | null {
  if (HEDGED.test(text)) return null;
  return NEGATED.test(text) ? "No." : "Yes.";
}

function stitch(ordered: Unit[], voice: boolean): string {
  const parts: string[] = [];
  let group: Unit[] = [];
  const flush = () => {
    if (group.length === 0) return;
    const lines: string[] = [];
    let prose: string[] = [];
    let step = 0;
    const listSize = (n: number) => group.filter((x) => x.list === n).length;
    for (const u of group) {
      const sentence = /[.!?:…]$/.test(u.text) ? u.text : `${u.text}.`;
      if (u.list < 0 || voice || listSize(u.list) < 2) {
        prose.push(sentence);
        continue;
      }
      if (prose.length) lines.push(prose.join(" "));
      prose = [];
      lines.push(u.ordered ? `${++step}. ${sentence}` : `- ${sentence}`);
    }
    if (prose.length) lines.push(prose.join(" "));
    const body = lines.join("\n");
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
