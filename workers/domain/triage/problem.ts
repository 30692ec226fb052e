import { dialogueActOf } from "../knowledge/dialogue-acts";
import { asksForHuman } from "./lexicon";
import { words } from "./text";

/**
 * Which visitor message states the problem (issue 22's operator tools): greetings, thanks, "ok",
 * "are you a bot?" (dialogue acts) and bare requests for a person ("agent please") say nothing an
 * operator acts on, so ticket subjects, hand-off summaries and drafts look past them. Pure.
 */

/** A request for a person with nothing else in it ("can I talk to a human?"); a longer message that also asks for one still states something. */
const BARE_PERSON_REQUEST_WORDS = 8;

/** The message says something to act on: not a dialogue act, not a bare request for a person. */
export function isSubstantive(text: string): boolean {
  if (!text.trim() || dialogueActOf(text) !== null) return false;
  return !(asksForHuman(text) && words(text).length <= BARE_PERSON_REQUEST_WORDS);
}

/**
 * The message that states the visitor's problem: the first substantive one of at least three words,
 * else the first substantive one, else the first message at all (undefined when there is none).
 */
export function problemOf<T extends { text: string }>(visitorMessages: readonly T[]): T | undefined {
  const substantive = visitorMessages.filter((m) => isSubstantive(m.text));
  return substantive.find((m) => words(m.text).length >= 3) ?? substantive[0] ?? visitorMessages[0];
}
