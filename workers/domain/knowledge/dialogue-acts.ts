import type { AnswerTurn } from "./answer-types";
import { PHRASE_LANGUAGES, type PhraseLanguage } from "./language";

/**
 * Dialogue acts: messages that are about the conversation, not about the product ("hi", "thanks,
 * that helps a lot", "are you a bot?", "yes please" after the bot offered a person, "that didn't
 * help"). They are recognised before retrieval, in the five languages the widget speaks, and the
 * bot answers them itself: they are never looked up and never handed off for low confidence.
 *
 * Recognition is phrase-based and deliberately strict: a message is an act only when every word of
 * it is part of a known act phrase or a filler ("thanks so much!", "ok, bye"). Anything with a word
 * outside the lexicon ("thanks, and how do I export?") goes to retrieval as before. No model: the
 * embedded answerer must run offline in a Worker, and a closed, inspectable phrase list per language
 * is what decides the cases that matter here (hand-off or not) predictably.
 */

export type ActKind =
  "greeting" | "how_are_you" | "thanks" | "ack" | "goodbye" | "bot_identity" | "yes" | "no" | "complaint" | "problem";

/** What the bot does with a message that is a dialogue act. */
export type DialogueAct = {
  /** The act the reply answers (see `resolve`). */
  act:
    | "greeting"
    | "how_are_you"
    | "thanks"
    | "ack"
    | "goodbye"
    | "bot_identity"
    | "accept_offer"
    | "decline_offer"
    | "complaint"
    | "problem"
    | "empty";
  /** Every act phrase found, in order. */
  found: ActKind[];
  /** The language the phrases are from, when they tell (null: "ok", "no", only fillers). */
  lang: PhraseLanguage | null;
};

type Lexicon = Record<PhraseLanguage, Partial<Record<ActKind, string[]>>>;

/** Phrases in normalised form (see `normalise`: lower case, no diacritics, no apostrophes, no punctuation). */
const LEXICON: Lexicon = {
  en: {
    greeting: [
      "hi",
      "hello",
      "hey",
      "hiya",
      "howdy",
      "yo",
      "greetings",
      "good morning",
      "good afternoon",
      "good evening",
      "morning",
      "evening",
      "can you help me",
      "can you help",
      "could you help me",
      "i need help",
      "i need some help",
      "need help",
      "help",
      "help me",
      "help please",
      "please help",
      "i have a question",
      "i have a quick question",
      "quick question",
      "i got a question",
      "ive got a question",
      "i have a few questions",
      "can i ask a question",
      "can i ask you something",
      "can i ask something",
      "anyone there",
      "is anyone there",
      "anybody there",
      "is anybody there",
    ],
    how_are_you: [
      "how are you",
      "how are you doing",
      "how r u",
      "how is it going",
      "hows it going",
      "how are things",
      "whats up",
      "sup",
      "how do you do",
    ],
    thanks: [
      "thanks",
      "thank you",
      "thank u",
      "thankyou",
      "thx",
      "ty",
      "tysm",
      "cheers",
      "many thanks",
      "much appreciated",
      "appreciate it",
      "i appreciate it",
      "thanks for your help",
      "thank you for your help",
      "thanks for the help",
      "thank you for the help",
      "thanks for helping",
      "that helps",
      "that helped",
      "this helps",
      "this helped",
      "it helps",
      "it helped",
      "that was helpful",
      "this was helpful",
      "very helpful",
      "helpful",
      "that works",
      "that worked",
      "it worked",
      "you helped",
      "youre awesome",
      "you are awesome",
      "youre great",
      "you are great",
      "youre amazing",
      "you are amazing",
      "youre the best",
      "you are the best",
      "you rock",
      "good job",
      "great job",
      "well done",
      "love it",
      "thats helpful",
      "that is helpful",
      "thats great",
      "thats perfect",
      "thats awesome",
      "that was great",
      "super helpful",
      "really helpful",
    ],
    ack: [
      "ok",
      "okay",
      "okey",
      "k",
      "kk",
      "alright",
      "all right",
      "got it",
      "i got it",
      "i see",
      "understood",
      "makes sense",
      "that makes sense",
      "cool",
      "great",
      "nice",
      "perfect",
      "awesome",
      "excellent",
      "wonderful",
      "brilliant",
      "sounds good",
      "good",
      "fine",
      "noted",
      "gotcha",
      "will do",
      "ill try that",
      "i will try that",
      "let me try",
      "fair enough",
      "good to know",
      "nice one",
      "great stuff",
      "good stuff",
    ],
    goodbye: [
      "bye",
      "goodbye",
      "bye bye",
      "see you",
      "see ya",
      "see you later",
      "later",
      "have a nice day",
      "have a good day",
      "have a great day",
      "good night",
      "take care",
      "thats all",
      "that is all",
      "thats it",
      "thats all i needed",
      "nothing else",
      "im done",
    ],
    bot_identity: [
      "are you a bot",
      "are you a robot",
      "are you an ai",
      "are you ai",
      "are you human",
      "are you a human",
      "are you a real person",
      "are you real",
      "are you a person",
      "am i talking to a bot",
      "am i talking to a robot",
      "am i talking to a human",
      "am i talking to a real person",
      "am i chatting with a bot",
      "is this a bot",
      "is this a real person",
      "is this a human",
      "is this an ai",
      "is this automated",
      "who are you",
      "what are you",
      "is this chatgpt",
      "who am i talking to",
      "who am i talking with",
      "who am i chatting with",
      "who is this",
      "am i talking to an ai",
      "am i talking to ai",
      "am i talking to a machine",
      "am i chatting with ai",
      "am i chatting with an ai",
      "am i chatting with a human",
      "are you a machine",
      "is this a machine",
      "is this a person",
      "you are a bot",
      "you are a robot",
      "youre a bot",
      "youre a robot",
      "what is your name",
      "whats your name",
      "am i talking to a real human",
      "am i speaking to a human",
      "am i speaking to a real person",
      "am i speaking with a human",
      "am i speaking to a bot",
      "are you a real human",
      "is this a real human",
      "is this a live person",
      "is this a live agent",
      "are you a live agent",
      "what can you do",
      "what do you do",
      "how can you help",
      "how can you help me",
      "what can you help with",
      "what can you help me with",
    ],
    yes: [
      "yes",
      "yeah",
      "yep",
      "yup",
      "yes please",
      "please",
      "please do",
      "go ahead",
      "sure",
      "of course",
      "absolutely",
      "definitely",
      "that would be great",
      "i would like that",
      "id like that",
    ],
    no: [
      "no",
      "nope",
      "nah",
      "no thanks",
      "no thank you",
      "not now",
      "not needed",
      "no need",
      "im good",
      "i am good",
      "im fine",
      "all good",
      "never mind",
      "nevermind",
      "its fine",
      "no its fine",
      "no worries",
      "no problem",
    ],
    problem: [
      "it doesnt work",
      "this doesnt work",
      "doesnt work",
      "it does not work",
      "does not work",
      "it wont work",
      "wont work",
      "not working",
      "its not working",
      "it is not working",
      "this is not working",
      "this isnt working",
      "it isnt working",
      "why doesnt this work",
      "why doesnt it work",
      "why isnt this working",
      "why isnt it working",
      "why is this not working",
      "why is it not working",
      "nothing works",
      "nothing is working",
      "its broken",
      "it is broken",
      "this is broken",
      "broken",
      "something is wrong",
      "somethings wrong",
      "something went wrong",
      "i cant get it to work",
      "cant get it to work",
      "i have a problem",
      "i have an issue",
      "i got a problem",
      "there is a problem",
      "theres a problem",
    ],
    complaint: [
      "that didnt help",
      "this didnt help",
      "it didnt help",
      "didnt help",
      "that did not help",
      "that does not help",
      "that doesnt help",
      "this doesnt help",
      "doesnt help",
      "not helpful",
      "thats not helpful",
      "that is not helpful",
      "that wasnt helpful",
      "unhelpful",
      "useless",
      "thats useless",
      "thats wrong",
      "that is wrong",
      "wrong answer",
      "thats not what i asked",
      "that is not what i asked",
      "not what i asked",
      "thats not my question",
      "that wasnt my question",
      "you didnt answer my question",
      "that doesnt answer my question",
      "that does not answer my question",
      "doesnt answer my question",
      "that makes no sense",
      "makes no sense",
      "thats not right",
      "that is not right",
      "that doesnt work",
      "that didnt work",
      "it didnt work",
      "didnt work",
      "wrong",
      "this is wrong",
      "this is useless",
      "you are useless",
      "youre useless",
      "this is not helpful",
      "this isnt helpful",
      "not helping",
      "you are not helping",
      "youre not helping",
      "you arent helping",
      "not what i meant",
      "thats not what i meant",
      "that is not what i meant",
      "you dont understand",
      "you do not understand",
      "thats incorrect",
      "that is incorrect",
      "incorrect",
    ],
  },
  es: {
    greeting: [
      "hola",
      "buenas",
      "buenos dias",
      "buenas tardes",
      "buenas noches",
      "saludos",
      "necesito ayuda",
      "tengo una pregunta",
      "puedes ayudarme",
      "me puedes ayudar",
      "ayuda",
      "ayudame",
      "hay alguien",
      "hay alguien ahi",
    ],
    how_are_you: ["que tal", "como estas", "como esta", "como va", "como te va"],
    thanks: [
      "gracias",
      "muchas gracias",
      "mil gracias",
      "muchisimas gracias",
      "te lo agradezco",
      "se lo agradezco",
      "gracias por tu ayuda",
      "gracias por su ayuda",
      "gracias por la ayuda",
      "eso ayuda",
      "me ayudo",
      "me sirvio",
      "muy util",
      "por tu ayuda",
      "por la ayuda",
      "por su ayuda",
      "eres genial",
      "gran trabajo",
    ],
    ack: [
      "vale",
      "de acuerdo",
      "entendido",
      "entiendo",
      "perfecto",
      "genial",
      "bien",
      "muy bien",
      "listo",
      "estupendo",
      "bueno",
    ],
    goodbye: [
      "adios",
      "hasta luego",
      "chao",
      "chau",
      "nos vemos",
      "hasta pronto",
      "que tengas buen dia",
      "eso es todo",
      "nada mas",
    ],
    bot_identity: [
      "eres un bot",
      "eres un robot",
      "eres humano",
      "eres una persona",
      "eres una persona real",
      "eres una ia",
      "estoy hablando con un bot",
      "estoy hablando con una persona",
      "hablo con un bot",
      "hablo con una persona",
      "es un bot",
      "quien eres",
      "con quien hablo",
      "con quien estoy hablando",
      "como te llamas",
      "cual es tu nombre",
      "que puedes hacer",
    ],
    yes: ["si", "si por favor", "por favor", "claro", "adelante", "por supuesto"],
    no: ["no", "no gracias", "no hace falta", "no es necesario", "estoy bien", "da igual"],
    problem: [
      "no funciona",
      "no me funciona",
      "esto no funciona",
      "por que no funciona",
      "no anda",
      "esta roto",
      "algo esta mal",
      "algo salio mal",
      "tengo un problema",
      "hay un problema",
    ],
    complaint: [
      "eso no ayuda",
      "no ayuda",
      "no me ayuda",
      "no me ayudo",
      "no ayudo",
      "no sirve",
      "no me sirve",
      "no sirvio",
      "no es lo que pregunte",
      "respuesta incorrecta",
      "eso esta mal",
      "inutil",
      "no funciono",
      "esta mal",
      "no es correcto",
    ],
  },
  fr: {
    greeting: [
      "bonjour",
      "salut",
      "bonsoir",
      "coucou",
      "jai besoin daide",
      "besoin daide",
      "jai une question",
      "pouvez vous maider",
      "peux tu maider",
      "aide",
      "aidez moi",
      "il y a quelquun",
      "y a quelquun",
    ],
    how_are_you: ["comment ca va", "ca va", "comment allez vous", "vous allez bien", "tu vas bien"],
    thanks: [
      "merci",
      "merci beaucoup",
      "merci bien",
      "je vous remercie",
      "merci pour votre aide",
      "merci pour laide",
      "ca aide",
      "ca maide",
      "ca ma aide",
      "tres utile",
      "pour votre aide",
      "pour ton aide",
      "vous etes genial",
      "tu es genial",
    ],
    ack: [
      "daccord",
      "compris",
      "parfait",
      "super",
      "tres bien",
      "entendu",
      "genial",
      "top",
      "cest note",
      "je vois",
      "bien",
    ],
    goodbye: ["au revoir", "bonne journee", "bonne soiree", "a bientot", "a plus", "ciao", "cest tout"],
    bot_identity: [
      "etes vous un robot",
      "etes vous un bot",
      "es tu un robot",
      "es tu un bot",
      "tu es un robot",
      "tu es un bot",
      "vous etes un robot",
      "vous etes un bot",
      "est ce un bot",
      "cest un bot",
      "etes vous humain",
      "es tu humain",
      "etes vous une vraie personne",
      "est ce une ia",
      "etes vous une ia",
      "je parle a un robot",
      "qui etes vous",
      "cest qui",
      "qui est ce",
      "comment tu tappelles",
      "comment vous appelez vous",
      "quel est ton nom",
      "quel est votre nom",
      "que pouvez vous faire",
      "que peux tu faire",
    ],
    yes: [
      "oui",
      "oui merci",
      "oui sil vous plait",
      "oui svp",
      "sil vous plait",
      "svp",
      "volontiers",
      "bien sur",
      "avec plaisir",
      "allez y",
    ],
    no: ["non", "non merci", "pas besoin", "ca ira", "ce nest pas necessaire", "non ca va"],
    problem: [
      "ca marche pas",
      "ca ne marche pas",
      "ne marche pas",
      "ca ne fonctionne pas",
      "ne fonctionne pas",
      "pourquoi ca ne marche pas",
      "cest casse",
      "quelque chose ne va pas",
      "jai un probleme",
      "il y a un probleme",
    ],
    complaint: [
      "ca ne maide pas",
      "ca naide pas",
      "cela ne maide pas",
      "ca na pas aide",
      "ca ne ma pas aide",
      "pas utile",
      "inutile",
      "ce nest pas ce que jai demande",
      "mauvaise reponse",
      "ce nest pas la bonne reponse",
      "ca ne repond pas a ma question",
      "ca ne marche pas",
      "cest faux",
      "cest nul",
      "ce nest pas ce que je voulais dire",
    ],
  },
  de: {
    greeting: [
      "hallo",
      "guten morgen",
      "guten tag",
      "guten abend",
      "servus",
      "moin",
      "gruss gott",
      "grus gott",
      "hallo zusammen",
      "ich brauche hilfe",
      "ich habe eine frage",
      "kannst du mir helfen",
      "konnen sie mir helfen",
      "hilfe",
      "jemand da",
      "ist jemand da",
    ],
    how_are_you: ["wie gehts", "wie geht es dir", "wie geht es ihnen", "wie gehts dir", "wie geht's"],
    thanks: [
      "danke",
      "danke schon",
      "danke sehr",
      "vielen dank",
      "besten dank",
      "herzlichen dank",
      "danke fur die hilfe",
      "danke fur ihre hilfe",
      "danke fur deine hilfe",
      "das hilft",
      "das hat geholfen",
      "hat geholfen",
      "sehr hilfreich",
      "fur die hilfe",
      "fur ihre hilfe",
      "fur deine hilfe",
      "du bist toll",
      "sie sind toll",
    ],
    ack: [
      "alles klar",
      "verstanden",
      "gut",
      "super",
      "prima",
      "perfekt",
      "klasse",
      "in ordnung",
      "passt",
      "toll",
      "ich verstehe",
      "okay",
    ],
    goodbye: [
      "tschuss",
      "auf wiedersehen",
      "bis bald",
      "bis dann",
      "schonen tag noch",
      "einen schonen tag",
      "das wars",
      "das ist alles",
    ],
    bot_identity: [
      "bist du ein bot",
      "sind sie ein bot",
      "bist du ein roboter",
      "sind sie ein roboter",
      "bist du ein mensch",
      "sind sie ein mensch",
      "rede ich mit einem bot",
      "spreche ich mit einem bot",
      "spreche ich mit einem menschen",
      "ist das ein bot",
      "bist du eine ki",
      "sind sie eine ki",
      "wer bist du",
      "wie heisst du",
      "wie heissen sie",
      "mit wem spreche ich",
      "wer ist da",
      "was kannst du",
      "was konnen sie",
    ],
    yes: ["ja", "ja bitte", "gerne", "gern", "bitte", "klar", "na klar", "ja gerne", "naturlich", "auf jeden fall"],
    no: ["nein", "nein danke", "nicht notig", "brauche ich nicht", "passt schon", "schon gut", "nein alles gut"],
    problem: [
      "es funktioniert nicht",
      "funktioniert nicht",
      "das funktioniert nicht",
      "warum funktioniert das nicht",
      "geht nicht",
      "das geht nicht",
      "es geht nicht",
      "ist kaputt",
      "es ist kaputt",
      "etwas stimmt nicht",
      "ich habe ein problem",
      "es gibt ein problem",
    ],
    complaint: [
      "das hilft nicht",
      "das hilft mir nicht",
      "hilft nicht",
      "das hat nicht geholfen",
      "hat nicht geholfen",
      "nicht hilfreich",
      "nutzlos",
      "falsche antwort",
      "das ist falsch",
      "das war nicht meine frage",
      "das beantwortet meine frage nicht",
      "das funktioniert nicht",
      "das war nicht hilfreich",
      "war nicht hilfreich",
      "das meinte ich nicht",
      "das ist nicht was ich gefragt habe",
    ],
  },
  pt: {
    greeting: [
      "ola",
      "oi",
      "bom dia",
      "boa tarde",
      "boa noite",
      "e ai",
      "preciso de ajuda",
      "tenho uma pergunta",
      "pode me ajudar",
      "podes me ajudar",
      "ajuda",
      "me ajuda",
      "tem alguem ai",
    ],
    how_are_you: ["tudo bem", "tudo bom", "como vai", "como voce esta", "como esta"],
    thanks: [
      "obrigado",
      "obrigada",
      "muito obrigado",
      "muito obrigada",
      "valeu",
      "agradeco",
      "obrigado pela ajuda",
      "obrigada pela ajuda",
      "isso ajuda",
      "isso ajudou",
      "ajudou",
      "muito util",
      "pela ajuda",
      "pela sua ajuda",
      "voce e demais",
    ],
    ack: ["certo", "entendi", "perfeito", "otimo", "beleza", "legal", "combinado", "ta bom", "esta bem", "tudo certo"],
    goodbye: ["tchau", "adeus", "ate logo", "ate mais", "ate breve", "e so isso", "so isso"],
    bot_identity: [
      "voce e um bot",
      "voce e um robo",
      "voce e humano",
      "voce e uma pessoa",
      "voce e uma ia",
      "estou falando com um bot",
      "estou falando com uma pessoa",
      "e um bot",
      "quem e voce",
      "qual e o seu nome",
      "qual e seu nome",
      "como voce se chama",
      "com quem estou falando",
      "com quem falo",
      "o que voce pode fazer",
      "o que voce faz",
    ],
    yes: ["sim", "sim por favor", "por favor", "claro", "pode ser", "com certeza", "quero"],
    no: ["nao", "nao obrigado", "nao obrigada", "nao precisa", "estou bem"],
    problem: [
      "nao funciona",
      "isso nao funciona",
      "por que nao funciona",
      "nao esta funcionando",
      "esta quebrado",
      "algo esta errado",
      "deu errado",
      "tenho um problema",
      "ha um problema",
    ],
    complaint: [
      "isso nao ajuda",
      "nao ajuda",
      "nao ajudou",
      "nao me ajudou",
      "nao e isso",
      "nao foi o que perguntei",
      "resposta errada",
      "inutil",
      "isso esta errado",
      "nao funcionou",
      "nao foi isso que perguntei",
      "nao foi isso que eu perguntei",
      "esta errado",
    ],
  },
};

/** Words that never change what an act means ("thanks so much", "ok then", "hi there"). */
const FILLERS = new Set(
  (
    "there so very much a lot again all guys everyone folks oh ah well hmm um uh lol haha just really then you too and " +
    "for it that this now ever man mate sir maam dear bot team " +
    // intensifiers around a complaint or a thanks ("that didn't help at all", "still not helpful")
    "at me still either even actually honestly totally whatsoever seriously wow " +
    "y muy pues entonces eso " +
    "et alors tres vraiment " +
    "und sehr also wirklich " +
    "e muito entao isso"
  ).split(/\s+/),
);

type Entry = { act: ActKind; langs: PhraseLanguage[]; words: string[] };

/** Phrase table keyed by first word, longest phrases first. */
const TABLE = (() => {
  const byPhrase = new Map<string, Entry>();
  for (const lang of PHRASE_LANGUAGES) {
    for (const [act, phrases] of Object.entries(LEXICON[lang]) as [ActKind, string[]][]) {
      for (const p of phrases) {
        const key = `${act}\u0000${p}`;
        const e = byPhrase.get(key) ?? { act, langs: [], words: normalise(p).split(" ") };
        if (!e.langs.includes(lang)) e.langs.push(lang);
        byPhrase.set(key, e);
      }
    }
  }
  const table = new Map<string, Entry[]>();
  for (const e of byPhrase.values()) {
    const list = table.get(e.words[0]!) ?? [];
    list.push(e);
    table.set(e.words[0]!, list);
  }
  for (const list of table.values()) list.sort((a, b) => b.words.length - a.words.length);
  return table;
})();

/** Lower case, diacritics folded, apostrophes dropped ("didn't" → "didnt"), other punctuation and emoji → spaces. */
export function normalise(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/['’`´]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Every word of every act phrase, and the fillers. */
const KNOWN_WORDS = new Set([...[...TABLE.values()].flat().flatMap((e) => e.words), ...FILLERS]);

/**
 * A word typed stretched ("heyy", "hiii", "thanksss", "byeee", "sooo") as the act word it stretches,
 * when it is one; any other word as it is.
 */
function unstretched(word: string): string {
  if (KNOWN_WORDS.has(word)) return word;
  const squeezed = word.replace(/(\p{L})\1{2,}/gu, "$1");
  for (const w of [squeezed, squeezed.replace(/(\p{L})\1+$/u, "$1")]) if (KNOWN_WORDS.has(w)) return w;
  return word;
}

/** Messages longer than this (in words) are never only a dialogue act. */
const MAX_ACT_WORDS = 14;

/**
 * The act phrases a message consists of, or null when some word is neither an act phrase nor a
 * filler (then the message is a question for retrieval). An empty message ("?", "👍") is `[]`.
 */
export function actPhrases(text: string, botName = ""): { acts: ActKind[]; votes: Map<PhraseLanguage, number> } | null {
  const words = normalise(text).split(" ").filter(Boolean).map(unstretched);
  if (words.length > MAX_ACT_WORDS) return null;
  const names = new Set(normalise(botName).split(" ").filter(Boolean));
  const acts: ActKind[] = [];
  const votes = new Map<PhraseLanguage, number>();
  let i = 0;
  outer: while (i < words.length) {
    for (const e of TABLE.get(words[i]!) ?? []) {
      if (e.words.every((w, k) => words[i + k] === w)) {
        acts.push(e.act);
        for (const l of e.langs) votes.set(l, (votes.get(l) ?? 0) + e.words.length / e.langs.length);
        i += e.words.length;
        continue outer;
      }
    }
    if (FILLERS.has(words[i]!) || names.has(words[i]!)) {
      i++;
      continue;
    }
    return null;
  }
  return { acts, votes };
}

/** Every language's phrases of one act, as the phrase table holds them (normalised). */
const phrasesOf = (act: ActKind) =>
  [...TABLE.values()]
    .flat()
    .filter((e) => e.act === act)
    .map((e) => e.words.join(" "));
const COMPLAINT_PHRASES = phrasesOf("complaint");
/** Problem phrases of two words or more: "help" or "broken" inside a question says nothing. */
const PROBLEM_PHRASES = phrasesOf("problem").filter((p) => p.includes(" "));

/**
 * Whether a message, whatever else it says, contains a complaint about the last answer ("that's not
 * what I asked, this is so frustrating") or a bare statement that something does not work ("WHY
 * DOESN'T THIS WORK"), in any of the widget's languages. Triage reads these beside the frustration
 * score (`decideEscalation`); `dialogueActOf` still needs the whole message to be the act. `rest` is
 * the message without its complaint phrases (normalised): what the visitor says beyond "that didn't
 * help", so a plain complaint and an upset one can be told apart.
 */
export function complaintCues(text: string): { complaint: boolean; problem: boolean; rest: string } {
  const t = ` ${normalise(text)} `;
  let rest = t;
  for (const p of COMPLAINT_PHRASES) while (rest.includes(` ${p} `)) rest = rest.replace(` ${p} `, " ");
  return {
    complaint: rest !== t,
    problem: PROBLEM_PHRASES.some((p) => t.includes(` ${p} `)),
    rest: rest.trim(),
  };
}

/** True when an AI turn offered to bring in a person ("Would you like me to connect you with a person…?"). */
export function offersPerson(aiText: string): boolean {
  const t = normalise(aiText);
  return /(connect you with|put you in touch with|hand you over to|transfer you to) (a|an|someone|one of)|talk to (a person|someone from)|ponga en contacto con una persona|contacto con alguien|mette en relation avec|vous passer un|mit einer person|mit jemandem|em contato com uma pessoa|falar com uma pessoa/.test(
    t,
  );
}

/**
 * The dialogue act a message is, given the conversation so far, or null when it is a question for
 * retrieval. Precedence: a complaint about the last answer, a question about the bot itself, an
 * answer to the bot's own offer of a person, then goodbye, thanks, how-are-you, greeting, and plain
 * acknowledgements.
 */
export function dialogueActOf(text: string, history: AnswerTurn[] = [], botName = ""): DialogueAct | null {
  const found = actPhrases(text, botName);
  if (!found) return null;
  const { acts, votes } = found;
  const lang = topVote(votes);
  const has = (k: ActKind) => acts.includes(k);
  const lastAi = [...history].reverse().find((t) => t.role !== "visitor");
  const offered = lastAi?.role === "ai" && offersPerson(lastAi.text);
  const pick = (act: DialogueAct["act"]): DialogueAct => ({ act, found: acts, lang });
  if (acts.length === 0) return pick("empty");
  if (has("complaint")) return pick("complaint");
  // "it doesn't work" with nothing said about what: after an answer it is about that answer
  if (has("problem")) return pick(lastAi?.role === "ai" ? "complaint" : "problem");
  if (has("bot_identity")) return pick("bot_identity");
  if (offered) {
    if (has("no")) return pick("decline_offer");
    if (has("yes") || (has("ack") && !has("thanks") && !has("goodbye"))) return pick("accept_offer");
  }
  if (has("goodbye")) return pick("goodbye");
  if (has("thanks")) return pick("thanks");
  if (has("how_are_you")) return pick("how_are_you");
  if (has("greeting")) return pick("greeting");
  if (has("no")) return pick("decline_offer");
  return pick("ack");
}

function topVote(votes: Map<PhraseLanguage, number>): PhraseLanguage | null {
  let best: PhraseLanguage | null = null;
  let score = 0;
  let tie = false;
  for (const [l, v] of votes) {
    if (v > score) [best, score, tie] = [l, v, false];
    else if (v === score) tie = true;
  }
  return tie ? null : best;
}

type ActReplies = Record<DialogueAct["act"], string>;

/** The bot's own lines, per language; `{bot}` is the bot's name. Short, friendly, no hand-off unless accepted. */
const REPLIES: Record<PhraseLanguage, ActReplies> = {
  en: {
    greeting: "Hi! I'm {bot}. What can I help you with today?",
    how_are_you: "I'm doing well, thanks for asking! I'm {bot}. What can I help you with?",
    thanks: "You're welcome! Is there anything else I can help you with?",
    ack: "Glad that helped. Is there anything else I can help you with?",
    goodbye: "You're welcome, and goodbye! Come back any time if you have another question.",
    bot_identity:
      "I'm {bot}, an AI assistant. I answer from this help centre, and I can connect you with a person from our team whenever you like. What can I help you with?",
    accept_offer: "Sure, I'm asking a person from our team to join. They'll reply here.",
    decline_offer: "All right. Is there anything else I can help you with?",
    complaint:
      "Sorry that didn't help. Could you tell me a little more, for example which device or plan you're on? Or would you like me to connect you with a person from our team?",
    problem:
      "Sorry to hear that. What isn't working: which feature, and on which device or browser? Tell me and I'll look it up. Or would you like me to connect you with a person from our team?",
    empty: "Could you tell me a bit more about what you need?",
  },
  es: {
    greeting: "¡Hola! Soy {bot}. ¿En qué puedo ayudarte hoy?",
    how_are_you: "¡Muy bien, gracias por preguntar! Soy {bot}. ¿En qué puedo ayudarte?",
    thanks: "¡De nada! ¿Hay algo más en lo que pueda ayudarte?",
    ack: "Me alegra que te haya servido. ¿Hay algo más en lo que pueda ayudarte?",
    goodbye: "¡De nada, hasta luego! Vuelve cuando tengas otra pregunta.",
    bot_identity:
      "Soy {bot}, un asistente de IA. Respondo con la información de este centro de ayuda y puedo ponerte en contacto con una persona de nuestro equipo cuando quieras. ¿En qué puedo ayudarte?",
    accept_offer: "Claro, le pido a una persona de nuestro equipo que se una. Te responderá aquí.",
    decline_offer: "De acuerdo. ¿Hay algo más en lo que pueda ayudarte?",
    complaint:
      "Siento que no te haya servido. ¿Puedes contarme un poco más, por ejemplo qué dispositivo o plan usas? ¿O quieres que te ponga en contacto con una persona de nuestro equipo?",
    problem:
      "Siento oír eso. ¿Qué es lo que no funciona: qué función y en qué dispositivo o navegador? Cuéntamelo y lo busco. ¿O quieres que te ponga en contacto con una persona de nuestro equipo?",
    empty: "¿Podrías contarme un poco más sobre lo que necesitas?",
  },
  fr: {
    greeting: "Bonjour ! Je suis {bot}. Comment puis-je vous aider aujourd'hui ?",
    how_are_you: "Très bien, merci de demander ! Je suis {bot}. Comment puis-je vous aider ?",
    thanks: "Avec plaisir ! Puis-je vous aider pour autre chose ?",
    ack: "Ravi que cela vous aide. Puis-je vous aider pour autre chose ?",
    goodbye: "Avec plaisir, au revoir ! Revenez quand vous voulez si vous avez une autre question.",
    bot_identity:
      "Je suis {bot}, un assistant IA. Je réponds à partir de ce centre d'aide et je peux vous mettre en relation avec une personne de notre équipe quand vous le souhaitez. Comment puis-je vous aider ?",
    accept_offer: "Bien sûr, je demande à une personne de notre équipe de vous rejoindre. Elle vous répondra ici.",
    decline_offer: "D'accord. Puis-je vous aider pour autre chose ?",
    complaint:
      "Désolé, cela ne vous a pas aidé. Pouvez-vous m'en dire un peu plus, par exemple votre appareil ou votre offre ? Ou voulez-vous que je vous mette en relation avec une personne de notre équipe ?",
    problem:
      "Désolé d'entendre cela. Qu'est-ce qui ne fonctionne pas : quelle fonction, et sur quel appareil ou navigateur ? Dites-le-moi et je cherche. Ou voulez-vous que je vous mette en relation avec une personne de notre équipe ?",
    empty: "Pouvez-vous m'en dire un peu plus sur ce dont vous avez besoin ?",
  },
  de: {
    greeting: "Hallo! Ich bin {bot}. Wobei kann ich Ihnen heute helfen?",
    how_are_you: "Gut, danke der Nachfrage! Ich bin {bot}. Wobei kann ich Ihnen helfen?",
    thanks: "Gern geschehen! Kann ich Ihnen noch bei etwas anderem helfen?",
    ack: "Schön, dass es geholfen hat. Kann ich Ihnen noch bei etwas anderem helfen?",
    goodbye: "Gern geschehen, auf Wiedersehen! Melden Sie sich jederzeit, wenn Sie noch eine Frage haben.",
    bot_identity:
      "Ich bin {bot}, ein KI-Assistent. Ich antworte aus diesem Hilfe-Center und kann Sie jederzeit mit einer Person aus unserem Team verbinden. Wobei kann ich Ihnen helfen?",
    accept_offer: "Gern, ich bitte eine Person aus unserem Team dazu. Sie antwortet Ihnen hier.",
    decline_offer: "In Ordnung. Kann ich Ihnen noch bei etwas anderem helfen?",
    complaint:
      "Schade, dass das nicht geholfen hat. Können Sie mir etwas mehr sagen, zum Beispiel welches Gerät oder welchen Tarif Sie nutzen? Oder soll ich Sie mit einer Person aus unserem Team verbinden?",
    problem:
      "Das tut mir leid. Was funktioniert nicht: welche Funktion, und auf welchem Gerät oder Browser? Sagen Sie es mir und ich sehe nach. Oder soll ich Sie mit einer Person aus unserem Team verbinden?",
    empty: "Können Sie mir etwas mehr darüber sagen, was Sie brauchen?",
  },
  pt: {
    greeting: "Olá! Sou o {bot}. Como posso ajudar hoje?",
    how_are_you: "Tudo bem, obrigado por perguntar! Sou o {bot}. Como posso ajudar?",
    thanks: "De nada! Posso ajudar com mais alguma coisa?",
    ack: "Que bom que ajudou. Posso ajudar com mais alguma coisa?",
    goodbye: "De nada, até logo! Volte sempre que tiver outra pergunta.",
    bot_identity:
      "Sou o {bot}, um assistente de IA. Respondo com base nesta central de ajuda e posso colocar você em contato com uma pessoa da nossa equipe quando quiser. Como posso ajudar?",
    accept_offer: "Claro, vou chamar uma pessoa da nossa equipe. Ela vai responder aqui.",
    decline_offer: "Tudo bem. Posso ajudar com mais alguma coisa?",
    complaint:
      "Desculpe, isso não ajudou. Pode me contar um pouco mais, por exemplo qual dispositivo ou plano você usa? Ou quer que eu coloque você em contato com uma pessoa da nossa equipe?",
    problem:
      "Sinto muito. O que não está funcionando: qual função, e em qual dispositivo ou navegador? Me conte e eu procuro. Ou quer que eu coloque você em contato com uma pessoa da nossa equipe?",
    empty: "Pode me contar um pouco mais sobre o que você precisa?",
  },
};

/** The bot's reply to a dialogue act, in `lang`, in the bot's name. */
export function replyToAct(
  act: DialogueAct,
  lang: PhraseLanguage,
  botName: string,
  history: AnswerTurn[] = [],
): string {
  const replies = REPLIES[lang];
  // "ok" before the bot has answered anything is not thanks for an answer: ask what they need
  const answered = history.some((t) => t.role === "ai");
  const key = act.act === "ack" && !answered ? "empty" : act.act;
  return replies[key].replaceAll("{bot}", botName || "the assistant");
}
