/**
 * Hand-written word lists (general English, not mined from any evaluation set). The frustration
 * model learns one weight per list, so a support-specific phrase that never occurs in the training
 * comments ("still not working", "third time") still counts through its list.
 */

/** Anger, annoyance, disappointment and disgust words, including support-desk complaints. */
export const ANGER_WORDS = new Set(
  `angry anger angered angrier annoy annoyed annoying annoyance annoys irritated irritating irritates irritation
  furious fuming livid outraged outrageous outrage mad pissed infuriating infuriated infuriates enraged rage raging
  frustrated frustrating frustration frustrates hate hated hates hating hatred loathe loathing despise despised
  disgusting disgusted disgust gross vile revolting repulsive sickening nasty
  disappointed disappointing disappointment disappoints letdown dissatisfied unhappy unacceptable
  ridiculous absurd ludicrous pathetic joke laughable stupid stupidity idiot idiots idiotic dumb moron morons moronic
  useless worthless hopeless incompetent incompetence clueless garbage trash rubbish awful terrible horrible horrendous
  atrocious appalling abysmal worst lousy crappy shoddy sucks sucked suck unbelievable insane nonsense bullshit
  scam scammed scammers fraud rip ripoff robbed cheated lied liar liars lies lying dishonest shameful disgrace
  rude disrespectful ignored ignoring ignore ignores waste wasted wasting fed sick tired enough ugh argh smh wtf
  seriously annoyingly sick_of cringe cringy cringey toxic entitled selfish hypocrite hypocritical asshole jerk
  ridiculously absurdly overpriced unusable broken buggy glitchy crap junk unreliable sloppy careless insulting
  insulted offended offensive unfair nightmare headache hassle`
    .split(/\s+/)
    .filter(Boolean),
);

export const PROFANITY = new Set(
  `fuck fucking fucked fucks fucker motherfucker shit shitty shits bullshit damn damned goddamn crap ass asshole
  bitch bitching dick dickhead piss pissed bastard hell bloody screw screwed wtf ffs stfu`
    .split(/\s+/)
    .filter(Boolean),
);

/** Disappointment and resignation ("unfortunately", "sadly", ":("), a quieter kind of frustration. */
export const DISAPPOINTMENT_WORDS = new Set(
  `unfortunately sadly sad shame pity meh bummer bummed letdown regret regrettably expected hoped supposed
  anyway whatever sigh ugh`
    .split(/\s+/)
    .filter(Boolean),
);

/** Words that make a complaint about repetition or persistence ("still", "again", "third time"). */
export const PERSISTENCE_WORDS = new Set([
  "still",
  "again",
  "yet",
  "anymore",
  "repeatedly",
  "constantly",
  "always",
  "every",
  "keeps",
  "keep",
  "kept",
  "already",
  "third",
  "fourth",
  "times",
  "hours",
  "days",
  "weeks",
  "forever",
]);

/** Multi-word complaints, matched on the lower-cased, apostrophe-free text. */
export const ANGER_PHRASES = [
  /\bwhat the (hell|heck|fuck)\b/,
  /\bare you (kidding|serious|joking)\b/,
  /\b(you|this) (have|has) got to be kidding\b/,
  /\bsick (and tired )?of\b/,
  /\bfed up\b/,
  /\bwaste of (time|money)\b/,
  /\b(still|again) (not|doesnt|isnt|wont|cant|broken|failing|down)\b/,
  /\b(not|never) (working|work|works|fixed|resolved|helpful|help|helping)\b/,
  /\b(didnt|doesnt|does not|did not|wont|will not|cant|cannot) (work|load|open|help|sync|connect)\b/,
  /\b(same|another) (bug|problem|issue|error)\b/,
  /\b(third|fourth|fifth|\d+(st|nd|rd|th)) time\b/,
  /\bhow (many times|hard is it|is this)\b/,
  /\b(no one|nobody) (is )?(helping|answers|cares|responds)\b/,
  /\b(give me|want) (my|a) (money|refund) back\b/,
  /\bgive me a break\b/,
  /\bshut up\b/,
  /\bfor (gods|christs|fucks) sake\b/,
];

/** Words that strengthen the next one ("really annoying", "so disappointed"). */
export const INTENSIFIERS = new Set(
  `so very really extremely incredibly totally absolutely completely utterly seriously super truly too fucking
  freaking damn bloody insanely ridiculously beyond`
    .split(/\s+/)
    .filter(Boolean),
);

/** The customer has been here before ("I already told you", "this is the third time I ask"). */
export const REPEAT_CONTACT_PHRASES = [
  /\b(i|ive|we|weve) (already|just) (told|said|asked|explained|sent|tried|did)\b/,
  /\b(told|asked) (you|them|him|her) (already|before|twice|again)\b/,
  /\b(once|yet) again\b/,
  /\b(second|third|fourth|fifth|\d+(st|nd|rd|th)|umpteenth|hundredth|millionth) time\b/,
  /\b(two|three|four|five|several|many|multiple|\d+) times\b/,
  /\b(how|so) many times\b/,
  /\b(every|each) (single )?time\b/,
  /\bover and over\b/,
  /\bkeep(s)? (asking|telling|saying|happening|getting)\b/,
  /\bfor (days|weeks|months|hours|ages)\b/,
];

/** A threat to leave, cancel or go elsewhere. */
export const LEAVE_PHRASES = [
  /\b(cancel|cancelling|canceling|close|closing|delete|deleting) (my|our|the) (account|subscription|plan|membership|order)\b/,
  /\b(switch|switching|move|moving|go|going) (to|over to) (a )?(competitor|another|something else|someone else)\b/,
  /\b(im|i am|were|we are) (done|leaving|out|through)\b/,
  /\b(never|not) (again|coming back|buying|using|recommend(ing)?)\b/,
  /\b(want|need|demand) (a|my|our) (refund|money back)\b/,
  /\b(unsubscribe|chargeback|lawyer|sue|suing|report you|bbb)\b/,
  /\bgood ?bye forever\b/,
];

/** Blame aimed at the other party ("you people", "your fault", "you never"). */
export const ACCUSATION_PHRASES = [
  /\byou (people|guys|lot|clowns|idiots)\b/,
  /\b(your|their|his|her) (fault|problem|mistake|incompetence)\b/,
  /\byou (never|always|clearly|obviously|just) (listen|read|care|understand|ignore|lie|do)\b/,
  /\b(do|did) you (even|actually) (read|listen|care|know|understand)\b/,
  /\bwho (the \w+ )?(cares|asked)\b/,
  /\bno one (asked|cares)\b/,
];

/** Rhetorical questions of exasperation ("why is this so hard", "how is this acceptable"). */
export const RHETORICAL_PHRASES = [
  /\bwhy (is|does|do|would|cant|cannot|wont|the hell|on earth|tf)\b.*\?/,
  /\bhow (is|was|are) (this|that|it) (ok|okay|acceptable|possible|allowed|legal|fair|even)\b/,
  /\bwhat is wrong with\b/,
  /\bwhats wrong with\b/,
  /\bwhat (were|was) (they|you|he|she) thinking\b/,
  /\bis (it|that) (too much|so hard) to\b/,
  /\bwhy (bother|even)\b/,
];

/** Sarcasm markers: praise said of something bad ("oh great", "thanks for nothing", "yeah right"). */
export const SARCASM_PHRASES = [
  /\b(oh|wow|well) (great|wonderful|perfect|fantastic|brilliant|lovely|nice|thanks)\b/,
  /\bthanks for nothing\b/,
  /\byeah,? right\b/,
  /\bsure,? (jan|buddy|pal)\b/,
  /\bjust (great|perfect|wonderful|what i needed)\b/,
  /\b(love|loving) (it )?how\b/,
  /\b(thanks|thank you) (a lot|so much) for (nothing|wasting|ruining)\b/,
  /\bwhat a (surprise|shock|joke)\b/,
  /\bgood job\b.*\b(not|ruin|broke)/,
  /\bslow clap\b/,
];

/** Who a visitor asks for when they want a person: the people words, English. */
const PERSON =
  "(?:(?:a|an|some|your|the|one of your|someone from|somebody from|anyone from|someone in|somebody in)\\s+)?(?:(?:real|live|actual|human|proper|support|customer service|customer support)\\s+)?(?:human(?: being)?|person|agent|representative|rep|someone|somebody|anyone|operator|manager|supervisor|staff|staff member|team member|colleague|people|support team|support staff|support|customer service|customer support|your team|the team|team|(?:billing|sales|support|tech|technical|accounts?|account|customer|success|service) (?:team|department|people|staff))(?! (?:plan|plans|workspace|workspaces|account|space|spaces|settings|admin|members?|notebooks?|subscription|seats?|page|feature|version|email|address|number))";

/** An explicit request for a person rather than the bot, matched on lower-cased, apostrophe- and accent-free text. */
const HUMAN_REQUEST = [
  // "talk to a human", "speak with customer service", "put me through to an agent", "pass me to a colleague"
  new RegExp(
    `\\b(?:talk|speak|chat|connect|transfer|put|pass|hand|forward|escalate)(?: me| this| it)?(?: (?:through|over|back))? (?:to|with) ${PERSON}\\b`,
  ),
  /\b(real|live|actual) (human|person|agent|people)\b/,
  /\b(human|agent|representative|operator|person) (please|pls|now|asap)\b/,
  /^\s*(human|agent|representative|operator|person|a human|a person|an agent)\s*[.!?]*\s*$/,
  new RegExp(
    `\\b(i want|i need|i would like|id like|get me|give me|can i (have|get)|could i (have|get)|may i (have|get)|let me talk to) ${PERSON}\\b`,
  ),
  // "can a person look at this", "have someone contact me", "can someone from your staff call me back"
  /\b(a|any|some|real) (human|person|agent|staff member|team member) (from ((your|the) )?(team|staff|support|company) )?(help|look|check|contact|call|email|reach|get back|take over|handle|review)\b/,
  // "someone" alone may be the bot ("can someone help me export?"); contacting or looking is a person's job
  /\b(someone|somebody) (from ((your|the) )?(team|staff|support|company) )?(contact|call|email|reach|get back|look at|check on|take over)\b/,
  /\b(have|get|ask) (someone|somebody|a person|a human|an agent|a colleague|your team|support) (from ((your|the) )?(team|staff|support|company) )?(to )?(contact|call|email|reach|get back to|look at|help|check)\b/,
  /\bis (there|anyone|anybody|someone|somebody) (a |an )?(human|person|real person|agent|from (your|the) (team|staff|support))( i can| to | available| from| on | there|\s*[?.!]|$)/,
  /\b(need|want|prefer|rather have) (some )?(human|personal|real) (help|support|assistance|contact)\b/,
  /\b(call me back|phone me|ring me|(a|request a|get a|want a|need a|schedule a) call ?back)\b/,
  /\bescalate (this|it|my (case|ticket|issue|problem))\b/,
  /\bstop (the|this) bot\b/,
  /\bnot (talk|speak|chat)(ing)? (to|with) (a )?(bot|robot|machine)\b/,
  /\b(no|not a|dont want (a|the)|stop the) (bot|robot|machine)s?\b.*\b(human|person|agent|someone|somebody)\b/,
  // the widget's other languages: es, fr, de, pt
  /\b(hablar|comunicarme|contactar) con (una persona|un humano|un agente|alguien|un asesor|un operador|soporte|atencion al cliente)\b/,
  /\bparler (a|avec) (un humain|une personne|un agent|quelqu ?un|un conseiller|un operateur|le support|le service client)\b/,
  /\b(mit|zu) (einem menschen|einer person|einem mitarbeiter|einer mitarbeiterin|jemandem|einem berater|dem support|dem kundenservice)\b.*\b(sprechen|reden|verbinden|chatten)\b/,
  /\b(falar|conversar) com (uma pessoa|um humano|um atendente|alguem|um agente|o suporte)\b/,
];

/** True when the message asks for a person ("can I talk to a human?", "agent please"). */
export function asksForHuman(text: string): boolean {
  const t = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[’'`´]/g, "")
    .replace(/\s+/g, " ");
  return HUMAN_REQUEST.some((re) => re.test(t));
}

/**
 * True when a message is shouted: at least three words and ten letters, four in five of them capitals
 * ("WHY DOESN'T THIS WORK"). Placeholders of the training data ("[NAME]") do not count.
 */
export function shouts(text: string): boolean {
  const cleaned = text.replace(/\[(NAME|RELIGION)\]/g, "");
  const words = cleaned.match(/\p{L}+/gu) ?? [];
  const letters = words.join("");
  if (words.length < 3 || letters.length < 10) return false;
  const upper = letters.replace(/[^\p{Lu}]/gu, "").length;
  return upper / letters.length >= 0.8;
}
