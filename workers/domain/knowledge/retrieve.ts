import type { RetrievalProviders } from "../../providers";
import type { WeightedTerm } from "../../providers/answer/port";
import {
  contentTerms,
  derivedStems,
  ftsToken,
  isContractionStub,
  isStopword,
  joinPhrases,
  passageTerms,
  stem,
  stemSet,
  synonymsOf,
  tokenize,
} from "../../providers/text";
import { type FtsHit } from "../../storage/search";
import type { AnswerCtx } from "./answer-types";
import { calibratedConfidence, type ConfidenceFeatures, sentenceCoverage } from "./calibrate";
import { detectLanguage } from "./language";

/**
 * Hybrid retrieval scoped to a tenant and a bot: FTS5 BM25 (title-boosted, porter-stemmed,
 * stopwords removed) reranked by IDF-weighted coverage of the question, optionally fused with a
 * vector search by reciprocal rank fusion. Confidence comes from the evidence of the best passage.
 */

/** Tuned on the dev split of shared/evals/retrieval (see scripts/eval-retrieval.mjs). */
export const RETRIEVAL_TUNING = {
  weights: { title: 3, heading: 1.5, body: 1 },
  /** Chunks read from FTS before reranking. */
  candidates: 60,
  /** Rerank mix: normalised BM25, coverage of the question by the whole chunk, by its title, and the share of its adjacent word pairs found adjacent in the chunk. */
  mix: { bm25: 0.6, coverage: 0.2, titleCoverage: 0.2, bigrams: 0.2 },
  /** Reciprocal rank fusion constant. */
  rrfK: 60,
  maxTerms: 24,
  /** Question words (with their synonyms) in the FTS query at most, the most selective first. */
  ftsTerms: 12,
  /** A word found in more than this share of the tenant's chunks stays out of the FTS query (rerank and confidence still use it), unless every word is that common. 0.2 and 6 words cost recall@1 0.766 → 0.737 on the dev split; 0.5 and 12 keep it. */
  commonShare: 0.5,
  /** Words kept when every word is that common. */
  commonTerms: 2,
  /** Score factor per earlier source with the same title (result diversification). */
  sameTitlePenalty: 0.8,
  /** IDF multiplier for question words that appear nowhere in the tenant's knowledge (confidence only). */
  unknownTermBoost: 1,
  /** Expand question words with support-vocabulary synonyms (providers/text.ts). */
  synonyms: true,
  /** Count a question word's derived forms as found in the rerank and confidence (`derivedStems`, providers/text.ts). */
  wordFamilies: true,
};

export type RankedChunk = FtsHit & {
  /** Rerank score, 0..1-ish, higher is better. */
  score: number;
  /** IDF-weighted share of the question's terms found in title + heading + text, 0..1. */
  coverage: number;
};

export type RankedSource = {
  sourceId: string;
  title: string;
  url: string | null;
  externalId: string | null;
  score: number;
  best: RankedChunk;
};

export type Retrieval = {
  terms: WeightedTerm[];
  /** Best chunks first. */
  chunks: RankedChunk[];
  /** Sources ranked by their best chunk, each once. */
  sources: RankedSource[];
  /** 0..1: the calibrated probability that an answer from these chunks is right (calibrate.ts). */
  confidence: number;
  /** What the confidence is computed from. */
  features: ConfidenceFeatures;
  /**
   * Words at the heart of the question that the tenant's knowledge never uses ("faxes" in "can it send
   * faxes?"), when they carry a real share of it (`uncoveredFocus`); empty otherwise. An answer says
   * so before anything else.
   */
  uncovered: string[];
  ms: number;
};

export type RetrieveInput = {
  question: string;
  botId?: string;
  limit?: number;
  /** Embedder and index for the vector side; omitted: the tenant's (`ctx.providers`), null: lexical only. */
  vector?: RetrievalProviders;
  signal?: AbortSignal;
  /** The tenant's current knowledge version when the caller already read it (word counts can then come from memory). */
  knowledgeVersion?: number;
};

export async function retrieve(ctx: AnswerCtx, input: RetrieveInput): Promise<Retrieval> {
  const started = Date.now();
  // the default is the tenant's providers, so no caller can skip vector search by forgetting it
  const vector = input.vector === undefined ? ctx.providers.retrieval() : input.vector;
  const terms = contentTerms(input.question).slice(0, RETRIEVAL_TUNING.maxTerms);
  if (terms.length === 0)
    return {
      terms: [],
      chunks: [],
      sources: [],
      confidence: 0,
      features: NO_EVIDENCE,
      uncovered: [],
      ms: Date.now() - started,
    };
  const alts = terms.map((t) => (RETRIEVAL_TUNING.synonyms ? synonymsOf(t) : []));
  const groups = terms.map((t, i) => `(${[t, ...alts[i]!].map(ftsToken).join(" OR ")})`);
  // names of two or more capitalised words ("Windows Phone", "Apple Pay") are counted as phrases too:
  // each word may be known while the name never occurs
  const names = properNames(input.question);
  // one call to the tenant's index: document frequencies first, which pick the few selective words
  // the FTS query needs (a word in a fifth of all chunks makes BM25 score thousands of rows and hardly
  // changes which ones come first), then the candidates for those words
  const [found, vectorHits] = await Promise.all([
    ctx.knowledge.search(ctx.tenantId, {
      groups: [...groups, ...names.map((n) => ftsToken(n.join(" ")))],
      terms: terms.map((t, i) => [t, ...alts[i]!].map(ftsToken)),
      botId: input.botId,
      limit: RETRIEVAL_TUNING.candidates,
      weights: RETRIEVAL_TUNING.weights,
      knowledgeVersion: input.knowledgeVersion,
    }),
    vector ? vectorSearch(ctx, input.question, input.botId, vector) : Promise.resolve([]),
  ]);
  const stats = { total: found.total, df: found.df.slice(0, groups.length) };
  const nameDf = found.df.slice(groups.length);
  const hits = found.hits;
  const weighted = terms.map((term, i) => {
    const df = stats.df[i] ?? 0;
    // a word the tenant's knowledge never uses is the strongest sign the question is about something
    // else, unless it is the stub of a "don't" or "isn't": then it says nothing either way
    if (df === 0 && isContractionStub(term)) return { term, alts: alts[i], weight: 0 };
    // the rerank and the confidence also count the word's family ("invites" ↔ "invitations"), which FTS's
    // Porter stemmer already matched; the FTS query and the document frequencies use synonyms only
    const family = RETRIEVAL_TUNING.wordFamilies ? derivedStems(term) : [];
    return {
      term,
      alts: family.length ? [...alts[i]!, ...family] : alts[i],
      weight: idf(stats.total, df) * (df === 0 ? RETRIEVAL_TUNING.unknownTermBoost : 1),
    };
  });
  let chunks = rerank(hits, weighted);
  if (vectorHits.length) chunks = fuse(chunks, rerank(vectorHits, weighted, false));
  const sources = bySource(chunks).slice(0, input.limit ?? 10);
  const features = featuresOf(chunks[0], weighted, stats.df);
  return {
    terms: weighted,
    chunks,
    sources,
    confidence: chunks[0] ? calibratedConfidence(features) : 0,
    features,
    uncovered: uncoveredFocus(
      input.question,
      weighted,
      stats.df,
      names.filter((_, i) => nameDf[i] === 0),
    ),
    ms: Date.now() - started,
  };
}

/** English prepositions: a word after one, in the same clause, is a detail of the question, not its subject. */
const PREPOSITIONS = new Set(
  "with on in from to for between via using at by into onto without about across over under through within inside outside per like than after before during".split(
    " ",
  ),
);

/**
 * Words of availability and integration whose prepositional phrase names what is asked about, not a
 * detail ("available on Chromebook", "integrate with Slack", "send notes to my Kindle", "work in
 * Firefox"): the object of "on / with / to / in / into / for" right after one of them, or after one and its
 * object, is the subject.
 */
const ASKS_ABOUT_OBJECT = new Set(
  `available availability work works run runs sync syncs integrate integrates integration integrations connect
  connects compatible compatibility install installed send export import supported pay use app apps version
  versions plugin extension client`.split(/\s+/),
);
const NAMING_PREPOSITIONS = new Set(["on", "with", "to", "in", "into", "for"]);

/** Words after which the next word is most likely a verb ("do I switch off…", "do you sell…"): what the visitor does, not what they ask about. */
const BEFORE_VERB = new Set(
  "i you we they he she it can could do does did will would should may might must cannot cant please let lets".split(
    " ",
  ),
);

/**
 * Words that set the circumstances or the degree of a question rather than its subject ("deleted last
 * week", "the biggest file", "a huge notebook"): a help centre rarely uses them, and they say nothing about whether it
 * covers the subject.
 */
const CIRCUMSTANCE = new Set(
  `yesterday today tomorrow tonight ago week weeks weekend weekends last next morning evening night hour hours
  minute minutes day days monday tuesday wednesday thursday friday saturday sunday biggest largest smallest longest
  shortest cheapest fastest quickest slowest highest lowest most least maximum minimum max min best worst latest
  newest oldest huge large big small tiny massive enormous giant little whole entire`.split(/\s+/),
);

/** Share of the question's weight the uncovered focus words must hold before an answer says it does not know them. */
export const UNCOVERED_FOCUS_SHARE = 1 / 3;

/**
 * The words at the heart of an English question that the tenant's knowledge never uses (document
 * frequency 0, synonyms included), when together they hold at least `UNCOVERED_FOCUS_SHARE` of the
 * question's weight, as the phrases the reply names (each with the known word right after it: "is
 * there a dark mode?" → ["dark mode"]). "Can Nimbus Notes send faxes?" → ["faxes"]: the passage
 * that shares "send" does not answer it, and the reply has to say the help centre does not mention
 * faxes. A word inside a prepositional phrase is a detail, not the subject ("share a notebook with a
 * colleague": the sharing steps still answer it), so it does not count, unless the phrase follows a
 * word of availability or integration and so names the thing asked about ("available on Chromebook",
 * "integrate with Slack": `ASKS_ABOUT_OBJECT`); neither does a word right
 * after a pronoun or an auxiliary (most likely the verb: "how do I switch off…" is answered by "turn
 * off"), a word of time or degree ("last week", "biggest"), nor a contraction stub ("doesn"). Other
 * languages return [] (the preposition test is English; a question in another language than the
 * knowledge would otherwise count every word).
 */
export function uncoveredFocus(
  question: string,
  terms: WeightedTerm[],
  df: number[],
  unknownNames: string[][] = [],
): string[] {
  const lang = detectLanguage(question);
  if (lang !== null && lang !== "en") return [];
  const total = terms.reduce((a, t) => a + t.weight, 0);
  if (!(total > 0)) return [];
  const unknown = new Map<string, number>();
  terms.forEach((t, i) => {
    if ((df[i] ?? 0) === 0 && t.weight > 0 && !isContractionStub(t.term)) unknown.set(t.term, t.weight);
  });
  if (unknown.size === 0 && unknownNames.length === 0) return [];
  const weightOf = new Map(terms.map((t) => [t.term, t.weight]));
  let namesWeight = 0;
  const focus = new Set<string>();
  const detail = new Set<string>();
  // what the reply names: each run of focus words with the known word right after it ("dark mode",
  // "smartwatch app", "keyboard shortcut"), so the visitor reads the thing they asked about
  const phrases: string[] = [];
  for (const clause of joinPhrases(question).split(/[,;:.!?()]+/)) {
    let inPhrase = false;
    let previous = "";
    let beforePrevious = "";
    let open: string[] | null = null;
    const close = () => {
      if (open && !phrases.includes(open.join(" "))) phrases.push(open.join(" "));
      open = null;
    };
    const tokens = tokenize(clause);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      const name = unknownNames.find((n) => n.every((w, k) => tokens[i + k] === w));
      if (name) {
        // a name the knowledge never uses, as one unit: the subject unless it is a detail
        close();
        if (!(inPhrase || BEFORE_VERB.has(previous))) {
          if (!phrases.includes(name.join(" "))) phrases.push(name.join(" "));
          namesWeight += name.reduce((a, w) => a + (weightOf.get(w) ?? 0), 0);
        }
        i += name.length - 1;
        beforePrevious = tokens[i - 1] ?? previous;
        previous = tokens[i]!;
        continue;
      }
      if (PREPOSITIONS.has(token)) {
        // the availability word right before, or before its object ("send notes to my Kindle")
        const names = ASKS_ABOUT_OBJECT.has(previous) || ASKS_ABOUT_OBJECT.has(beforePrevious);
        inPhrase = !(NAMING_PREPOSITIONS.has(token) && names);
        close();
      } else if (unknown.has(token) && !focus.has(token) && !detail.has(token)) {
        const isFocus = !(inPhrase || BEFORE_VERB.has(previous) || CIRCUMSTANCE.has(token));
        (isFocus ? focus : detail).add(token);
        if (isFocus) (open ??= []).push(token);
        else close();
      } else if (open && !isStopword(token) && !unknown.has(token)) {
        open.push(token);
        close();
      } else close();
      beforePrevious = previous;
      previous = token;
    }
    close();
  }
  const share = ([...focus].reduce((a, t) => a + unknown.get(t)!, 0) + namesWeight) / total;
  return share >= UNCOVERED_FOCUS_SHARE ? phrases : [];
}

/**
 * Names in a question: runs of two or more capitalised words that are not function words ("Can I
 * pay with Apple Pay?" → [["apple", "pay"]]), lower-cased as tokens, at most three. The first word
 * of a sentence is capitalised anyway and does not start a name; a question written in Title Case
 * or capitals (a function word other than "I" capitalised) has none.
 */
export function properNames(question: string): string[][] {
  const names: string[][] = [];
  const words =
    question
      .normalize("NFKD")
      .replace(/\p{M}+/gu, "")
      .match(/[\p{L}\p{N}]+|[.!?;:,]/gu) ?? [];
  const capital = (w: string) => /^\p{Lu}/u.test(w) && !isStopword(w.toLowerCase());
  // Title Case or capitals: a function word other than "I" capitalised after the first word
  if (words.slice(1).some((w) => /^\p{Lu}/u.test(w) && w !== "I" && isStopword(w.toLowerCase()))) return [];
  let run: string[] = [];
  let sentenceStart = true;
  const end = () => {
    if (run.length >= 2 && names.length < 3) names.push(run.map((w) => w.toLowerCase()));
    run = [];
  };
  for (const w of words) {
    if (/^[.!?;:,]$/.test(w)) {
      end();
      sentenceStart = /[.!?]/.test(w);
      continue;
    }
    if (capital(w) && !sentenceStart) run.push(w);
    else end();
    sentenceStart = false;
  }
  end();
  return names;
}

/**
 * Which question words (indices) go into the FTS query: words the knowledge uses, the most selective
 * first, at most `ftsTerms`; words in more than `commonShare` of the chunks are left out unless all
 * are, then the `commonTerms` rarest. Every word still counts in the rerank and the confidence.
 */
export function ftsTermsOf(df: number[], total: number, tuning = RETRIEVAL_TUNING): number[] {
  const known = df.map((n, i) => ({ n, i })).filter((x) => x.n > 0);
  known.sort((a, b) => a.n - b.n || a.i - b.i);
  const selective = known.filter((x) => x.n <= tuning.commonShare * total);
  const picked = selective.length ? selective.slice(0, tuning.ftsTerms) : known.slice(0, tuning.commonTerms);
  return picked.map((x) => x.i).sort((a, b) => a - b);
}

const NO_EVIDENCE: ConfidenceFeatures = { coverage: 0, sentence: 0, unknown: 1, missing: 1 };

/** The evidence of the best chunk (see calibrate.ts). */
export function featuresOf(top: RankedChunk | undefined, terms: WeightedTerm[], df: number[]): ConfidenceFeatures {
  if (!top) return NO_EVIDENCE;
  const total = terms.reduce((a, t) => a + t.weight, 0) || 1;
  const unknown = terms.reduce((a, t, i) => a + ((df[i] ?? 0) === 0 ? t.weight : 0), 0) / total;
  const words = stemSet(`${top.title} ${top.heading} ${top.text}`);
  const missing = Math.max(0, ...terms.filter((t) => coverageIn(words, [t]) === 0).map((t) => t.weight)) / total;
  return {
    coverage: confidenceOf(top),
    sentence: sentenceCoverage(top.text, `${top.title} ${top.heading}`, terms, coverageOf),
    unknown,
    missing,
  };
}

/** BM25's IDF; a term the tenant's knowledge never mentions gets the largest weight. */
export function idf(total: number, df: number): number {
  return Math.log(1 + (total - df + 0.5) / (df + 0.5));
}

export function coverageOf(text: string, terms: WeightedTerm[]): number {
  return coverageIn(stemSet(text), terms);
}

/** IDF-weighted share of `terms` whose stem (or a synonym's) is in `words`. */
function coverageIn(words: Set<string>, terms: WeightedTerm[]): number {
  let hit = 0;
  let all = 0;
  for (const t of terms) {
    all += t.weight;
    if (words.has(stem(t.term)) || t.alts?.some((a) => words.has(stem(a)))) hit += t.weight;
  }
  return all ? hit / all : 0;
}

/**
 * The question as the rerank looks it up, prepared once per question rather than per candidate:
 * each stem a term (or one of its synonyms) stands for → the terms it marks found, under both its
 * plain and its stopword (`~`) spelling in a prepared word list; and the question's adjacent pairs.
 */
type QuestionIndex = {
  weights: number[];
  total: number;
  byEntry: Map<string, number[]>;
  /** First stem of a pair → second stem → the pair's index in `pairCount`. */
  pairs: Map<string, Map<string, number>>;
  /** How often each distinct pair occurs among the question's adjacent pairs. */
  pairCount: number[];
  pairTotal: number;
  /**
   * Finds the entries of `byEntry` as whole words in a prepared word list kept as one string (words
   * separated by single spaces), so a candidate is scanned by the regular expression engine instead
   * of being split into an array of strings and looked up word by word.
   */
  matcher: RegExp;
};

function questionIndex(terms: WeightedTerm[]): QuestionIndex {
  const byEntry = new Map<string, number[]>();
  const mark = (entry: string, i: number) => {
    const at = byEntry.get(entry);
    if (!at) byEntry.set(entry, [i]);
    else if (!at.includes(i)) at.push(i);
  };
  terms.forEach((t, i) => {
    for (const w of [t.term, ...(t.alts ?? [])]) {
      const s = stem(w);
      mark(s, i);
      mark(`~${s}`, i);
    }
  });
  const pairs = new Map<string, Map<string, number>>();
  const pairCount: number[] = [];
  const qp = questionPairs(terms);
  for (const [a, b] of qp) {
    let second = pairs.get(a);
    if (!second) pairs.set(a, (second = new Map()));
    let idx = second.get(b);
    if (idx === undefined) second.set(b, (idx = pairCount.push(0) - 1));
    pairCount[idx]!++;
  }
  const weights = terms.map((t) => t.weight);
  const alternatives = [...byEntry.keys()].map((e) => e.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  return {
    weights,
    total: weights.reduce((a, w) => a + w, 0),
    byEntry,
    pairs,
    pairCount,
    pairTotal: qp.length,
    matcher: new RegExp(`(?:^| )(${alternatives || "(?!)"})(?= |$)`, "g"),
  };
}

/** Only stopword entries (`~word`, which never break a pair) between two words. */
const ONLY_STOPWORDS = /^(?: ~[^ ]+)*$/;

/**
 * The rerank's look at one prepared word list held as a string: marks in `found` the question terms
 * it contains (like `markFound`) and returns the share of the question's adjacent pairs found next to
 * each other in `lead` + `list` (like `pairShare` over both lists; `lead` only carries pairs).
 * Only question words can make a pair, so the pairs are read from the question words' matches: two
 * matches are adjacent when nothing but stopword entries lies between them.
 */
function scanList(q: QuestionIndex, lead: string, list: string, found: Uint8Array): number {
  const seen = q.pairTotal ? new Uint8Array(q.pairCount.length) : null;
  const text = lead && list ? `${lead} ${list}` : lead || list;
  const bodyFrom = lead && list ? lead.length + 1 : lead ? text.length : 0;
  let prev: string | null = null;
  let prevEnd = 0;
  const re = q.matcher;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const entry = m[1]!;
    const start = m.index + (m[0].length - entry.length);
    if (start >= bodyFrom) for (const i of q.byEntry.get(entry)!) found[i] = 1;
    if (!seen || entry.charCodeAt(0) === 126 /* ~ */) continue;
    if (prev !== null && ONLY_STOPWORDS.test(text.slice(prevEnd, m.index))) {
      const idx = q.pairs.get(prev)?.get(entry);
      if (idx !== undefined) seen[idx] = 1;
    }
    prev = entry;
    prevEnd = start + entry.length;
  }
  if (!seen) return 0;
  let hit = 0;
  for (let i = 0; i < seen.length; i++) if (seen[i]) hit += q.pairCount[i]!;
  return hit / q.pairTotal;
}

/** Marks in `found` the question terms that `entries` (a prepared word list) contain. */
function markFound(q: QuestionIndex, entries: string[], found: Uint8Array) {
  for (const e of entries) {
    const at = q.byEntry.get(e);
    if (at) for (const i of at) found[i] = 1;
  }
}

/** IDF-weighted share of the question's terms marked in `found`. */
function weightOf(q: QuestionIndex, found: Uint8Array): number {
  if (!q.total) return 0;
  let hit = 0;
  for (let i = 0; i < found.length; i++) if (found[i]) hit += q.weights[i]!;
  return hit / q.total;
}

/**
 * Share of the question's adjacent pairs found next to each other in `lists` read one after the
 * other (stopword entries are skipped, not breaks).
 */
function pairShare(q: QuestionIndex, lists: string[][]): number {
  if (q.pairTotal === 0) return 0;
  const seen = new Uint8Array(q.pairCount.length);
  let prev: string | null = null;
  for (const entries of lists)
    for (const e of entries) {
      if (e.charCodeAt(0) === 126 /* ~ */) continue;
      if (prev !== null) {
        const idx = q.pairs.get(prev)?.get(e);
        if (idx !== undefined) seen[idx] = 1;
      }
      prev = e;
    }
  let hit = 0;
  for (let i = 0; i < seen.length; i++) if (seen[i]) hit += q.pairCount[i]!;
  return hit / q.pairTotal;
}

/**
 * Reranks FTS (or vector) hits for the question. A hit's words are compared as prepared word lists
 * (see `passageTerms`): the title's, computed once per title here (titles are short and shared by a
 * source's chunks), then the heading's and text's, prepared at ingest (`knowledge_chunks.terms`) or,
 * for chunks indexed before that, computed here. The question is indexed once, so each candidate
 * costs one pass over its words.
 */
export function rerank(hits: FtsHit[], terms: WeightedTerm[], lexical = true): RankedChunk[] {
  const best = Math.min(...hits.map((h) => h.bm25), -1e-9);
  const { mix } = RETRIEVAL_TUNING;
  const q = questionIndex(terms);
  const titles = new Map<string, { entries: string; found: Uint8Array; coverage: number }>();
  return hits
    .map((h) => {
      let title = titles.get(h.title);
      if (!title) {
        const entries = passageTerms(h.title);
        const found = new Uint8Array(terms.length);
        markFound(q, entries, found);
        titles.set(h.title, (title = { entries: entries.join(" "), found, coverage: weightOf(q, found) }));
      }
      const body = h.terms ?? passageTerms(`${h.heading} ${h.text}`).join(" ");
      const found = title.found.slice();
      const pairs = scanList(q, title.entries, body, found);
      const coverage = weightOf(q, found);
      const lex = lexical ? h.bm25 / best : 0;
      const bigrams = mix.bigrams ? pairs : 0;
      return {
        ...h,
        coverage,
        score: mix.bm25 * lex + mix.coverage * coverage + mix.titleCoverage * title.coverage + mix.bigrams * bigrams,
      };
    })
    .sort((a, b) => b.score - a.score);
}

/** Share of the question's adjacent term pairs that also appear next to each other in the text. */
export function bigramCoverage(text: string, terms: WeightedTerm[]): number {
  return pairShare(questionIndex(terms), [passageTerms(text)]);
}

/** The question's adjacent term pairs, stemmed. */
function questionPairs(terms: WeightedTerm[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 1; i < terms.length; i++) out.push([stem(terms[i - 1]!.term), stem(terms[i]!.term)]);
  return out;
}

/** Reciprocal rank fusion of two ranked lists of chunks (by `seq`). */
export function fuse(a: RankedChunk[], b: RankedChunk[], k = RETRIEVAL_TUNING.rrfK): RankedChunk[] {
  const fused = new Map<number, { chunk: RankedChunk; rrf: number }>();
  for (const list of [a, b]) {
    list.forEach((c, rank) => {
      const cur = fused.get(c.seq) ?? { chunk: c, rrf: 0 };
      cur.rrf += 1 / (k + rank + 1);
      fused.set(c.seq, cur);
    });
  }
  return [...fused.values()].sort((x, y) => y.rrf - x.rrf).map((x) => x.chunk);
}

/**
 * One entry per source (its best chunk), diversified: each further source sharing a title with one
 * already ranked has its score multiplied by `sameTitlePenalty`, so several answers to one question
 * do not crowd every other document out of the top results.
 */
export function bySource(chunks: RankedChunk[], penalty = RETRIEVAL_TUNING.sameTitlePenalty): RankedSource[] {
  const best = new Map<string, RankedSource>();
  for (const c of chunks) {
    if (!best.has(c.sourceId))
      best.set(c.sourceId, {
        sourceId: c.sourceId,
        title: c.title,
        url: c.url,
        externalId: c.externalId,
        score: c.score,
        best: c,
      });
  }
  const pending = [...best.values()].map((s) => ({ s, title: s.title.toLowerCase() }));
  const out: RankedSource[] = [];
  const titles = new Map<string, number>();
  while (pending.length) {
    let pick = 0;
    let pickScore = -Infinity;
    pending.forEach((p, i) => {
      const adjusted = p.s.score * penalty ** (titles.get(p.title) ?? 0);
      if (adjusted > pickScore) [pick, pickScore] = [i, adjusted];
    });
    const [chosen] = pending.splice(pick, 1);
    titles.set(chosen!.title, (titles.get(chosen!.title) ?? 0) + 1);
    out.push(chosen!.s);
  }
  return out;
}

/** Coverage of the best chunk, 0..1 (one of the confidence features). */
export function confidenceOf(top: RankedChunk | undefined): number {
  if (!top) return 0;
  return Math.max(0, Math.min(1, top.coverage));
}

async function vectorSearch(
  ctx: AnswerCtx,
  question: string,
  botId: string | undefined,
  vector: NonNullable<RetrievalProviders>,
): Promise<FtsHit[]> {
  try {
    const [q] = await vector.embedder.embed([question]);
    if (!q) return [];
    const matches = await vector.index.query(ctx.tenantId, q, RETRIEVAL_TUNING.candidates);
    const rows = await ctx.repos.knowledge.chunksBySeq(
      ctx.tenantId,
      matches.map((m) => m.seq),
    );
    const bySeq = new Map(rows.map((r) => [r.seq, r]));
    return matches.flatMap((m) => {
      const r = bySeq.get(m.seq);
      if (!r || (botId && r.botId && r.botId !== botId)) return [];
      return [
        {
          seq: r.seq,
          chunkId: r.chunkId,
          sourceId: r.sourceId,
          heading: r.heading,
          text: r.text,
          terms: r.terms,
          title: r.title,
          url: r.url,
          externalId: r.externalId,
          bm25: 0,
        },
      ];
    });
  } catch (err) {
    // the vector side is an improvement, never a dependency: lexical results still answer
    ctx.log.warn("knowledge: vector search failed", { error: String(err) });
    return [];
  }
}
