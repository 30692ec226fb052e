import { ANGER_PHRASES, ANGER_WORDS, DISAPPOINTMENT_WORDS, PERSISTENCE_WORDS, PROFANITY } from "./lexicon";
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
  return v;
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
