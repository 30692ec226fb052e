import type { QuestionType } from "../../providers/answer/port";
import { normalise } from "./dialogue-acts";
import { AMOUNT_NOUNS } from "../../providers/text";

/**
 * What kind of answer a question wants, from its wording (en, es, fr, de, pt). The extractive
 * answerer uses it to pick the sentence that states the asked thing (a price, a count, a duration,
 * a menu path, the steps, a yes or no) rather than the one that merely shares the most words.
 * Order matters: "how much does Pro cost" is a price, "how much storage" a number, "how do I" steps.
 */
const RULES: [QuestionType, RegExp][] = [
  [
    "price",
    new RegExp(
      `\\b(how much (does|do|is|are|will|would)\\b(?! .*\\b${AMOUNT_NOUNS}\\b)|price|prices|pricing|cost|costs|fee|fees|charge|charged|cheap|expensive|precio|cuesta|cuanto cuesta|cuanto vale|prix|combien coute|coute|kostet|preis|kosten|quanto custa|preco|custa)\\b`,
    ),
  ],
  [
    "duration",
    /\b(how long|how far back|how often|how soon|how quickly|how fast|cuanto tiempo|combien de temps|wie lange|quanto tempo)\b/,
  ],
  [
    "when",
    /^(when|what time|at what time|which day|cuando|quand|wann|quando)\b|\b(when (do|does|is|are|will|can)|what (are|is) (your|the) (support |opening |business )?hours|hours)\b/,
  ],
  [
    "howto",
    /^(how (do|can|should|would) (i|we|you)|how to|what are the steps|steps to|como (puedo|hago|se)|comment (puis|faire|je)|wie (kann|mache) ich|como (posso|faco))\b/,
  ],
  [
    "number",
    /\b(how many|how much|how big|how large|maximum|max|limit|limits|up to|cuantos|cuantas|combien|wie viele|wie viel|quantos|quantas)\b/,
  ],
  [
    "where",
    /^(where|donde|ou|wo|onde)\b|\bwhere (can|do|is|are|will)\b|\b(which|what) (menu|setting|settings|page|tab|button)\b|\bfind (the|my)\b/,
  ],
  [
    "problem",
    /\b(not working|doesnt work|dont work|isnt working|arent|isnt|doesnt|wont|cant|cannot|stuck|broken|fails|failed|failing|error|missing|lost|disappeared|not (syncing|loading|showing|opening|working))\b/,
  ],
  [
    "yesno",
    /^(can|could|do|does|did|is|are|will|would|should|may|have|has|am|puedo|puede|hay|es|est ce que|puis je|kann|ist|gibt es|posso|pode|e possivel)\b/,
  ],
];

export function questionType(question: string): QuestionType {
  const q = normalise(question);
  for (const [type, re] of RULES) if (re.test(q)) return type;
  return "other";
}
