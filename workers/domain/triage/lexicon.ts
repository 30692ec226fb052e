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

/** An explicit request for a person rather than the bot. */
const HUMAN_REQUEST = [
  /\b(talk|speak|chat|connect|transfer|put) (me )?(to|with) (a |an |some |your )?(real |live |actual )?(human|person|agent|representative|rep|someone|somebody|operator|manager|supervisor|staff|people)\b/,
  /\b(real|live|actual) (human|person|agent|people)\b/,
  /\b(human|agent|representative|operator) (please|pls|now)\b/,
  /^\s*(human|agent|representative|operator|person)\s*[.!?]*\s*$/,
  /\b(i want|i need|get me|can i (have|get)|let me talk to) (a |an )?(human|person|agent|representative|manager|supervisor)\b/,
  /\bstop (the|this) bot\b/,
  /\bnot (talk|speak|chat)(ing)? (to|with) (a )?(bot|robot|machine)\b/,
];

/** True when the message asks for a person ("can I talk to a human?", "agent please"). */
export function asksForHuman(text: string): boolean {
  const t = text.toLowerCase().replace(/[’'`]/g, "");
  return HUMAN_REQUEST.some((re) => re.test(t));
}
