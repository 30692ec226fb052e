/**
 * Query and passage normalisation shared by retrieval, confidence and the extractive answerer:
 * tokens (unicode letters and digits, diacritics folded), stopwords (en + the common function words
 * of es/fr/de/pt), and a light suffix stemmer. FTS5 stems with Porter on its side; this stemmer is
 * only used to compare a question with a passage in JS, where both sides go through it.
 */

const STOPWORDS = new Set(
  // English
  (
    "a about above after again against all am an and any are aren't as at be because been before being below between both but by " +
    "can cannot could did do does doing don't down during each few for from further had has have having he her here hers herself him " +
    "himself his how i i'm if in into is isn't it it's its itself let's me more most my myself no nor not of off on once only or other " +
    "ought our ours ourselves out over own same she should so some such than that that's the their theirs them themselves then there " +
    "these they this those through to too under until up very was we were what what's when where which while who whom why with would " +
    "you your yours yourself yourselves will just also get got there's im ive id youre dont doesnt cant isnt wont please thanks thank hi hello " +
    "anyone someone something anything way possible know want need like tell us use using used able one ones s t d ll m re ve " +
    // when it happened says nothing about what it is ("not syncing since yesterday")
    "yesterday today tonight tomorrow since ago recently lately currently anymore " +
    // "how often" asks for a frequency; the question type carries that, the word matches nothing
    "often " +
    // light verbs and comparatives that carry no topic ("make photos take up less room", "how much
    // storage comes with Pro"): rare in a help centre, so they would weigh like a topic word
    "make makes making take takes taking put puts go goes going went come comes came less fewer " +
    // nouns that stand for anything ("move my stuff over")
    "stuff thing things " +
    // contractions typed without the apostrophe
    "whats hows wheres whens whos youve theyre " +
    // Spanish, French, German, Portuguese function words
    "el la los las un una unos unas de del y o que en es por para con se su sus al lo como mas pero sus le ya muy sin sobre " +
    "le la les un une des du de et ou est en pour par avec sur au aux ce cette ces qui que quoi dans pas ne je tu il elle nous vous ils mon ma mes " +
    "der die das ein eine einen einem und oder ist in im zu mit von fur auf den dem des nicht ich du er sie es wir ihr wie was " +
    "o a os as um uma de do da dos das e ou em no na nos nas por para com se seu sua como mais mas eu voce"
  ).split(/\s+/),
);

/** Lower-cased word tokens with diacritics removed ("Café's" → ["cafe", "s"]). */
export function tokenize(text: string): string[] {
  const folded = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
  return folded.match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function isStopword(token: string): boolean {
  return STOPWORDS.has(token);
}

/**
 * A light English suffix stripper (plural, -ing, -ed, -ly, -ies…), enough to match "exporting" with
 * "export" or "notebooks" with "notebook". Deliberately conservative: a wrong merge costs precision.
 */
export function stem(token: string): string {
  let w = token;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith("ies") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("es") && /(ch|sh|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) w = w.slice(0, -1);
  if (w.endsWith("ing") && w.length > 5) w = undouble(w.slice(0, -3));
  else if (w.endsWith("ed") && w.length > 4) w = undouble(w.slice(0, -2));
  if (w.endsWith("ly") && w.length > 5) w = w.slice(0, -2);
  if (w.endsWith("e") && w.length > 4) w = w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  return /([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w) ? w.slice(0, -1) : w;
}

/**
 * What the tokenizer leaves of a negated auxiliary ("doesn't" → "doesn" + "t"). Forum-style
 * knowledge uses them ("I don't want…"), so they stay question words and match there; a help
 * centre written without them must not count them as words it never uses (`isContractionStub`).
 */
const CONTRACTION_STUBS = new Set(
  "aren isn wasn weren don doesn didn hasn haven hadn couldn shouldn wouldn mustn needn ain".split(" "),
);

export function isContractionStub(token: string): boolean {
  return CONTRACTION_STUBS.has(token);
}

/**
 * Words that, right after "how", ask for an amount ("how long", "how many", "how much", "how far
 * back", "how big"): the question type carries that, and the word matches nothing in an answer that states
 * "14 days" or "up to 5 devices", so it would only count as a word the knowledge never uses.
 */
const QUANTITY_WORDS = new Set(["long", "many", "much", "far", "big", "large"]);

/** Whether `tokens[i]` is the amount word of a "how long / many / much…" question. */
const isAmountWord = (tokens: string[], i: number) =>
  i > 0 && tokens[i - 1] === "how" && QUANTITY_WORDS.has(tokens[i]!);

/**
 * "last" / "take" closing a "how long" question ("how long do invites **last**?", "how long does a
 * refund **take**?", "how long does it **take** to sync?"): the verb is part of the question's form,
 * like "long", and an answer that says "expire after 7 days" never contains it.
 */
const DURATION_VERBS = new Set(["last", "lasts", "take", "takes"]);
const isDurationVerb = (tokens: string[], i: number) =>
  DURATION_VERBS.has(tokens[i]!) &&
  tokens.some((t, j) => j < i && t === "how" && tokens[j + 1] === "long") &&
  (i === tokens.length - 1 || ["to", "for", "until"].includes(tokens[i + 1]!));

/** Whether a message asks for an amount ("how long?", "and how much?"): a question even with no content term. */
export function asksQuantity(text: string): boolean {
  const tokens = tokenize(text);
  return tokens.some((_, i) => isAmountWord(tokens, i));
}

/**
 * What "how much" asks an amount of rather than a price ("how much storage…", "how much data…"):
 * shared by the question-type rules (domain/knowledge/question-type.ts) and `joinPhrases`.
 */
export const AMOUNT_NOUNS = "(?:storage|space|data|notes?|attachments?|files?)";
/** "how much is / are / for …" not followed by an amount noun: a price question. */
const HOW_MUCH_PRICE = new RegExp(`\\bhow much (?:is|are|was|for)\\b(?![^?.!]*\\b${AMOUNT_NOUNS}\\b)`, "gi");

/**
 * Phrasal verbs said the way help centres write them: "back up" / "backing up" as the one word the
 * knowledge indexes ("backup"), "run out of" as reaching a limit ("when I run out of storage" →
 * "When you reach your storage limit"), "show up" as "appear", a payment that "doesn't go through"
 * as one that fails, "never got the email" as "do not receive", and "cost extra / anything" beside
 * "free" (what a help centre says of what costs nothing). Question side only.
 */
export const joinPhrases = (text: string) =>
  text
    .replace(/\bback(?:ing)?[\s-]+up\b/gi, "backup")
    .replace(/\b(?:run|runs|running|ran) out of\b/gi, "reach the limit of")
    .replace(/\b(?:show|shows|showed|showing) up\b/gi, "appear")
    .replace(
      /\b(?:doesn[’']?t|does not|didn[’']?t|did not|won[’']?t|will not|isn[’']?t|is not|not) go(?:ing)? through\b/gi,
      "fails",
    )
    .replace(
      /\b(?:never|didn[’']?t|did not|haven[’']?t|have not|hasn[’']?t|has not|don[’']?t|do not|not) (?:get|got|gotten|receive|received|receiving)\b/gi,
      "do not receive",
    )
    .replace(/\b(?:cost|costs) (?:extra|anything|money|more)\b/gi, "cost free")
    // "can I change my mind after deleting?" is asking to cancel or undo it
    .replace(/\b(?:change|changed|changing) (?:my|your|our|their) minds?\b/gi, "cancel")
    // "how much is Pro?" asks for a price the way "what does Pro cost?" does (question-type.ts reads it
    // as a price question on the same terms), unless it is an amount of storage or data
    .replace(HOW_MUCH_PRICE, "price of")
    // "log me out" is "sign out", and "everywhere" is on every device
    .replace(/\blog(?:s|ged|ging)? (?:me |you |us |them )?out\b/gi, "sign out")
    .replace(/\beverywhere\b/gi, "every device");

/** Content terms of a question: tokens minus stopwords, deduplicated, order kept ("back up" counts as "backup"). */
export function contentTerms(text: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const tokens = tokenize(joinPhrases(text));
  for (const [i, t] of tokens.entries()) {
    if (isAmountWord(tokens, i) || isDurationVerb(tokens, i)) continue;
    if (isStopword(t) || (t.length < 2 && !/\d/.test(t))) continue;
    if (seen.has(t)) continue;
    seen.add(t);
    out.push(t);
  }
  return out;
}

/** Stemmed token set of a passage, for coverage checks. */
export function stemSet(text: string): Set<string> {
  return new Set(tokenize(text).map(stem));
}

/** Splits text into sentences (also at line breaks and list items), trimmed, empty ones dropped. */
export function splitSentences(text: string): string[] {
  return text
    .split(/\n+|(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'(¿¡])/u)
    .map((s) => s.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, "").trim())
    .filter((s) => s.length > 1);
}

/** Escapes a token for an FTS5 query (double quotes make it a string literal). */
export function ftsToken(token: string): string {
  return `"${token.replace(/"/g, '""')}"`;
}

/**
 * Support-vocabulary synonyms: visitors say "reply", articles say "response". Each group is a set
 * of interchangeable words (written for help-centre language, not fitted to any eval set). A
 * question term matches a passage when any word of its group does.
 */
const SYNONYM_GROUPS: string[][] = [
  ["reply", "respond", "response", "answer"],
  ["price", "pricing", "cost", "fee", "charge"],
  ["cancel", "cancellation", "unsubscribe", "terminate"],
  ["delete", "remove", "erase"],
  ["refund", "reimburse", "reimbursement"],
  ["buy", "purchase"],
  ["signup", "register", "registration"],
  ["login", "signin", "logon"],
  ["share", "invite"],
  ["export", "download"],
  ["import", "migrate", "migration"],
  ["attachment", "file", "upload"],
  ["maximum", "max", "largest", "biggest", "limit"],
  ["phone", "telephone", "call"],
  ["email", "mail"],
  ["help", "support", "assistance"],
  ["located", "location", "stored", "region", "hosted"],
  ["fast", "quick", "quickly", "soon"],
  ["discount", "coupon", "promo"],
  ["cryptocurrency", "crypto", "bitcoin", "ethereum"],
  ["notice", "announce", "announcement"],
  ["encrypt", "encrypted", "encryption"],
  ["restore", "recover", "undelete"],
  ["trash", "bin", "wastebasket"],
  ["offline", "internet"],
  ["team", "organization", "organisation", "company"],
  ["error", "problem", "issue", "bug"],
  ["cheap", "inexpensive", "affordable"],
  ["storage", "space", "quota", "room"],
  ["image", "photo", "picture", "pic"],
  // irregular past forms the suffix stemmer cannot reach ("do people I share with need to pay?" ~
  // "do not need a paid plan")
  ["pay", "paid"],
  ["send", "sent"],
  ["lose", "lost"],
  ["make", "made"],
  ["take", "took", "taken"],
  ["keep", "kept"],
  ["forget", "forgot", "forgotten"],
  ["write", "wrote", "written"],
  ["choose", "chose", "chosen"],
  ["see", "saw", "seen"],
  ["give", "gave", "given"],
  ["break", "broke", "broken"],
  ["undo", "undid", "undone"],
  ["device", "phone", "laptop", "computer", "desktop", "mobile", "tablet"],
  ["valid", "expire", "expiry", "expiration"],
  ["stuck", "frozen", "freeze", "freezes", "hangs", "hanging"],
  ["shortcut", "hotkey", "keyboard", "ctrl", "cmd", "alt"],
  // "2FA" is "two-factor" (tokens "two" + "factor")
  ["2fa", "mfa", "2sv", "factor"],
];
const SYNONYMS = new Map<string, string[]>();
for (const group of SYNONYM_GROUPS) {
  // a word in two groups ("phone": telephone, device) gets both
  for (const w of group) {
    const known = SYNONYMS.get(stem(w)) ?? [];
    SYNONYMS.set(stem(w), [...new Set([...known, ...group.filter((x) => x !== w)])]);
  }
}

/** Other words that mean the same as `token` in support language (may be empty). */
export function synonymsOf(token: string): string[] {
  return SYNONYMS.get(stem(token)) ?? [];
}

/**
 * Stems of the same word family that the light stemmer keeps apart: a verb and its -ation, -ion,
 * -ment and -al nouns and its -able adjective ("invites" ↔ "invitations", "delete" ↔ "deletion",
 * "pay" ↔ "payment", "renew" ↔ "renewal", "notify" ↔ "notification", "cancel" ↔ "cancellation",
 * "refund" ↔ "refundable"), either way round.
 * FTS5's Porter stemmer already finds these passages; this lets the rerank, the confidence and the
 * sentence choice count the word as found too. Roots shorter than 4 letters (3 for -ment) are not
 * derived from, so "location" stays apart from "local" and "action" from "act". Returned as stems;
 * `stem()` leaves each unchanged. Does not include `stem(token)` itself.
 */
export function derivedStems(token: string): string[] {
  const s = stem(token);
  if (/\d/.test(s)) return [];
  const strip = (suffix: string, min: number) =>
    s.endsWith(suffix) && s.length - suffix.length >= min ? s.slice(0, -suffix.length) : null;
  const ification = strip("ification", 2);
  const root = ification
    ? `${ification}ify`
    : (strip("ation", 4) ??
      strip("ion", 4) ??
      strip("ment", 3) ??
      // "refundable" stems to "refundabl"
      strip("abl", 4) ??
      (/[vw]al$/.test(s) ? strip("al", 4) : null) ??
      s);
  const out = new Set<string>();
  // "cancellation" → "cancell" → "cancel" (a doubled consonant before the suffix)
  const bases = [root, ...(root !== s && /([b-df-hj-np-tv-z])\1$/.test(root) ? [root.slice(0, -1)] : [])];
  for (const b of bases) {
    out.add(stem(b));
    if (b.endsWith("ify")) out.add(`${b.slice(0, -1)}ication`);
    if (b.length >= 4) {
      out.add(`${b}ation`);
      out.add(`${b}ion`);
      if (b.endsWith("l")) out.add(`${b}lation`);
      out.add(`${b}abl`);
    }
    if (b.length >= 3) out.add(`${b}ment`);
    if (/[vw]$/.test(b) && b.length >= 4) out.add(`${b}al`);
  }
  out.delete(s);
  return [...out].filter((x) => stem(x) === x && x.length >= 3);
}

/**
 * The word list of a passage as the rerank compares it with a question, prepared once at ingest
 * (`knowledge_chunks.terms`): every token stemmed, in order, stopwords kept but marked with a
 * leading "~" (they count for coverage, not for adjacent pairs). `stemSet(text)` equals the set of
 * these entries without the marks, and the unmarked entries are `tokenize(text)` minus stopwords,
 * stemmed — the two views `coverageOf` and `bigramCoverage` need.
 */
export function passageTerms(text: string): string[] {
  return tokenize(text).map((t) => (isStopword(t) ? `~${stem(t)}` : stem(t)));
}
