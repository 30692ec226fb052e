/**
 * Groups visitor questions without a model: a question becomes its set of content words (lower
 * case, stop words dropped, a crude suffix strip), and joins the first group whose words it shares
 * enough of (Jaccard ≥ JOIN_SIMILARITY), else starts a new one; a text seen before joins the group
 * its first occurrence joined. Deterministic; each distinct text is compared only with the groups
 * sharing one of its words (at most MAX_GROUPS).
 */

export const JOIN_SIMILARITY = 0.34;
export const MAX_GROUPS = 200;
export const MAX_EXAMPLES = 3;

const STOP = new Set(
  (
    "a an the and or but if of to in on at by for with from about as into is are was were be been being do does did " +
    "have has had i me my we our you your he she it its they them their this that these those what which who whom " +
    "how when where why can could would should will shall may might must not no yes please hi hello hey thanks thank " +
    "there here just any some get got want need like know tell"
  ).split(" "),
);

export function contentWords(text: string): string[] {
  const words = text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .split(/[^\p{L}\p{N}]+/u)
    // a bare number (an order, invoice or device number) names an instance, not the topic
    .filter((w) => w.length > 1 && !STOP.has(w) && !/^\p{N}+$/u.test(w))
    .map((w) => w.replace(/(ing|ed|es|s)$/u, "") || w);
  return [...new Set(words)];
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let both = 0;
  for (const w of a) if (b.has(w)) both++;
  const union = a.size + b.size - both;
  return union ? both / union : 0;
}

export type Question = { text: string; conversationId: string; reason?: string };
export type QuestionGroup = {
  label: string;
  count: number;
  examples: string[];
  conversationIds: string[];
  reasons: Record<string, number>;
};

/** Groups questions, largest group first; the label is the group's most frequent example. */
export function groupQuestions(questions: Question[]): QuestionGroup[] {
  type G = { words: Set<string>; items: Question[]; freq: Map<string, number> };
  const groups: G[] = [];
  // only groups sharing a word can score above 0: an index from word to groups (in creation order)
  // finds them without comparing every group, and a text seen before is not tokenized again
  const byWord = new Map<string, number[]>();
  // the same text always joins the group its first occurrence chose (no second tokenizing or search)
  const groupOf = new Map<string, G>();
  const add = (g: G, q: Question) => {
    g.items.push(q);
    const norm = q.text.trim();
    g.freq.set(norm, (g.freq.get(norm) ?? 0) + 1);
  };
  for (const q of questions) {
    const known = groupOf.get(q.text);
    if (known) {
      add(known, q);
      continue;
    }
    const words = new Set(contentWords(q.text));
    // the groups sharing a word, in creation order (ties go to the older group)
    const candidates: number[] = [];
    const marked = new Set<number>();
    for (const w of words)
      for (const i of byWord.get(w) ?? [])
        if (!marked.has(i)) {
          marked.add(i);
          candidates.push(i);
        }
    candidates.sort((a, b) => a - b);
    let best: G | undefined;
    let bestScore = 0;
    for (const i of candidates) {
      const s = jaccard(words, groups[i]!.words);
      if (s > bestScore) [best, bestScore] = [groups[i], s];
    }
    const target =
      best && (bestScore >= JOIN_SIMILARITY || (words.size === 0 && best.words.size === 0))
        ? best
        : groups.length < MAX_GROUPS
          ? undefined
          : best;
    if (target) {
      add(target, q);
      groupOf.set(q.text, target);
      continue;
    }
    for (const w of words) {
      const list = byWord.get(w);
      if (list) list.push(groups.length);
      else byWord.set(w, [groups.length]);
    }
    const g: G = { words, items: [q], freq: new Map([[q.text.trim(), 1]]) };
    groups.push(g);
    groupOf.set(q.text, g);
  }
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return groups
    .map((g) => {
      // the MAX_EXAMPLES most frequent texts (ties by text), without sorting them all
      const top: [string, number][] = [];
      for (const e of g.freq) {
        let at = top.length;
        while (at > 0 && (e[1] > top[at - 1]![1] || (e[1] === top[at - 1]![1] && byText(e[0], top[at - 1]![0]) < 0)))
          at--;
        if (at < MAX_EXAMPLES) {
          top.splice(at, 0, e);
          if (top.length > MAX_EXAMPLES) top.pop();
        }
      }
      const reasons: Record<string, number> = {};
      const conversations = new Set<string>();
      for (const q of g.items) {
        if (q.reason) reasons[q.reason] = (reasons[q.reason] ?? 0) + 1;
        if (conversations.size < 20) conversations.add(q.conversationId);
      }
      return {
        label: top[0]![0],
        count: g.items.length,
        examples: top.map(([t]) => t),
        conversationIds: [...conversations],
        reasons,
      };
    })
    .sort((a, b) => b.count - a.count || byText(a.label, b.label));
}
