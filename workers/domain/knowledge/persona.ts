import type { PromptPersona } from "../../contracts/providers";
import type { BotRow } from "../../storage/schema";
import { PHRASES, PHRASE_LANGUAGES, type PhraseLanguage } from "./language";

/**
 * A bot's persona (issue 19) as the answer paths see it. One place decides the bot's language
 * (the persona's, else the bot setting), the persona the prompt builder (providers/answer/prompt.ts)
 * is shaped by, and the embedded answerer's fixed phrases in the persona's voice: its name, its
 * tone (neutral, friendly, formal) and its language. A bot without a persona answers as before.
 */

/** The bot's language: the persona's, else the bot setting ("auto": the visitor's). */
export function botLanguage(bot: Pick<BotRow, "persona" | "settings">): string {
  return bot.persona?.language ?? bot.settings.language;
}

/** The primary subtag of a BCP-47 tag when the fixed phrases know it. */
export function phraseLanguageOf(tag: string | null | undefined): PhraseLanguage | undefined {
  const primary = tag?.toLowerCase().split("-")[0];
  return PHRASE_LANGUAGES.find((l) => l === primary);
}

/** The name the bot speaks as. */
export const personaName = (bot: Pick<BotRow, "name" | "persona">) => bot.persona?.name ?? bot.name;

/** The persona handed to LLM adapters (null without one). */
export function promptPersona(bot: Pick<BotRow, "name" | "persona">): PromptPersona | null {
  const p = bot.persona;
  if (!p) return null;
  return {
    name: p.name ?? bot.name,
    ...(p.role ? { role: p.role } : {}),
    tone: p.tone ?? "neutral",
    styleRules: p.styleRules ?? [],
    never: p.never ?? [],
    languages: p.languages ?? [],
  };
}

/** The company's instructions for this bot: the bot's own, then the persona's. */
export function instructionsOf(bot: Pick<BotRow, "instructions" | "persona">): string {
  return [bot.instructions, bot.persona?.instructions ?? ""].filter((s) => s.trim()).join("\n\n");
}

export type Tone = "neutral" | "friendly" | "formal";

/** The fixed lines an embedded answer uses; `{bot}` is the persona's name. */
export type Voice = {
  greeting: string;
  dontKnow: string;
  failed: string;
  /** Opens an answer to a question about something the knowledge never mentions (`{what}`: the words); language.ts. */
  notCovered: string;
  /** Closes that answer with the offer of a person. */
  notCoveredOffer: string;
  /** The visitor accepted the offer of a person. */
  handoff: string;
  /** Voice: the caller said nothing the recogniser caught. */
  didNotCatch: string;
  /** Voice: no one to put the caller through to. */
  callBack: string;
  /** Voice: the caller is put through to a person. */
  transfer: string;
};

/** Voice-only lines in each language (the neutral tone's chat lines are in language.ts and dialogue-acts.ts). */
const VOICE_LINES: Record<PhraseLanguage, Pick<Voice, "didNotCatch" | "callBack" | "transfer">> = {
  en: {
    transfer: "I'm connecting you with a member of our team now. One moment please.",
    didNotCatch: "Sorry, I didn't catch that. Could you say it again?",
    callBack: "I've asked our team to call you back as soon as possible. Goodbye.",
  },
  fr: {
    transfer: "Je vous mets en relation avec un membre de notre équipe. Un instant, s'il vous plaît.",
    didNotCatch: "Désolé, je n'ai pas bien compris. Pouvez-vous répéter ?",
    callBack: "J'ai demandé à notre équipe de vous rappeler dès que possible. Au revoir.",
  },
  es: {
    transfer: "Le paso con un miembro de nuestro equipo. Un momento, por favor.",
    didNotCatch: "Perdón, no le he entendido. ¿Puede repetirlo?",
    callBack: "He pedido a nuestro equipo que le devuelva la llamada lo antes posible. Adiós.",
  },
  de: {
    transfer: "Ich verbinde Sie jetzt mit einem Mitglied unseres Teams. Einen Moment bitte.",
    didNotCatch: "Entschuldigung, das habe ich nicht verstanden. Können Sie das wiederholen?",
    callBack: "Ich habe unser Team gebeten, Sie so bald wie möglich zurückzurufen. Auf Wiederhören.",
  },
  pt: {
    transfer: "Vou transferir você para um membro da nossa equipe. Um momento, por favor.",
    didNotCatch: "Desculpe, não entendi. Pode repetir?",
    callBack: "Pedi à nossa equipe que ligue de volta o mais rápido possível. Até logo.",
  },
};

const NEUTRAL: Record<PhraseLanguage, Pick<Voice, "greeting" | "handoff">> = {
  en: {
    greeting: "Hi! I'm {bot}. What can I help you with today?",
    handoff: "Sure, I'm asking a person from our team to join. They'll reply here.",
  },
  es: {
    greeting: "¡Hola! Soy {bot}. ¿En qué puedo ayudarte hoy?",
    handoff: "Claro, le pido a una persona de nuestro equipo que se una. Te responderá aquí.",
  },
  fr: {
    greeting: "Bonjour ! Je suis {bot}. Comment puis-je vous aider aujourd'hui ?",
    handoff: "Bien sûr, je demande à une personne de notre équipe de vous rejoindre. Elle vous répondra ici.",
  },
  de: {
    greeting: "Hallo! Ich bin {bot}. Wobei kann ich Ihnen heute helfen?",
    handoff: "Gern, ich bitte eine Person aus unserem Team dazu. Sie antwortet Ihnen hier.",
  },
  pt: {
    greeting: "Olá! Sou o {bot}. Como posso ajudar hoje?",
    handoff: "Claro, vou chamar uma pessoa da nossa equipe. Ela vai responder aqui.",
  },
};

/** Tone variants; a language without one for a tone uses its neutral lines. */
const TONED: Partial<
  Record<
    Tone,
    Partial<
      Record<PhraseLanguage, Omit<Voice, "didNotCatch" | "callBack" | "transfer" | "notCovered" | "notCoveredOffer">>
    >
  >
> = {
  friendly: {
    en: {
      greeting: "Hey there! 👋 I'm {bot}. What can I do for you?",
      dontKnow:
        "Hmm, I don't have that one in my notes, and I'd rather not make something up! Want me to grab someone from the team for you?",
      failed: "Oops, something went wrong on my side. Want me to grab someone from the team for you?",
      handoff: "You got it! I'm getting someone from the team. They'll pop in right here.",
    },
    fr: {
      greeting: "Coucou ! 👋 Moi c'est {bot}. Je peux t'aider ?",
      dontKnow:
        "Hmm, je n'ai pas ça dans mes notes, et je préfère ne rien inventer ! Tu veux que j'appelle quelqu'un de l'équipe ?",
      failed: "Oups, un souci de mon côté. Tu veux que j'appelle quelqu'un de l'équipe ?",
      handoff: "Ça marche ! J'appelle quelqu'un de l'équipe, il te répond ici.",
    },
    es: {
      greeting: "¡Hola! 👋 Soy {bot}. ¿Qué tal, en qué te ayudo?",
      dontKnow: "Mmm, eso no lo tengo en mis notas y prefiero no inventar. ¿Quieres que llame a alguien del equipo?",
      failed: "¡Uy! Algo falló por mi lado. ¿Quieres que llame a alguien del equipo?",
      handoff: "¡Hecho! Llamo a alguien del equipo, te responderá aquí.",
    },
    de: {
      greeting: "Hey! 👋 Ich bin {bot}. Wie kann ich dir helfen?",
      dontKnow:
        "Hm, das habe ich nicht in meinen Notizen, und ich will nichts erfinden! Soll ich jemanden aus dem Team holen?",
      failed: "Hoppla, bei mir ist etwas schiefgelaufen. Soll ich jemanden aus dem Team holen?",
      handoff: "Klar! Ich hole jemanden aus dem Team, er antwortet dir hier.",
    },
  },
  formal: {
    en: {
      greeting: "Good day. My name is {bot}. How may I assist you?",
      dontKnow:
        "I regret that I cannot answer this with certainty, and I prefer not to speculate. May I put you in touch with a member of our staff?",
      failed:
        "I apologise: an error occurred while I was preparing my answer. May I put you in touch with a member of our staff?",
      handoff: "Certainly. I am asking a member of our staff to join this conversation; they will reply here.",
    },
    fr: {
      greeting: "Bonjour, je me présente : {bot}. En quoi puis-je vous être utile ?",
      dontKnow:
        "Je regrette de ne pouvoir vous répondre avec certitude, et je préfère ne pas avancer d'hypothèse. Puis-je vous mettre en relation avec un membre de notre service ?",
      failed:
        "Je vous prie de m'excuser : une erreur est survenue pendant la préparation de ma réponse. Puis-je vous mettre en relation avec un membre de notre service ?",
      handoff:
        "Bien entendu. Je demande à un membre de notre service de rejoindre cette conversation ; il vous répondra ici.",
    },
    es: {
      greeting: "Buenos días. Mi nombre es {bot}. ¿En qué puedo servirle?",
      dontKnow:
        "Lamento no poder responderle con certeza y prefiero no especular. ¿Desea que le ponga en contacto con un miembro de nuestro personal?",
      failed:
        "Le pido disculpas: se produjo un error al preparar mi respuesta. ¿Desea que le ponga en contacto con un miembro de nuestro personal?",
      handoff:
        "Por supuesto. Solicito que un miembro de nuestro personal se una a la conversación; le responderá aquí.",
    },
    de: {
      greeting: "Guten Tag. Mein Name ist {bot}. Womit darf ich Ihnen behilflich sein?",
      dontKnow:
        "Ich bedauere, Ihnen dies nicht mit Sicherheit beantworten zu können, und möchte nicht spekulieren. Darf ich Sie mit einem Mitarbeiter verbinden?",
      failed:
        "Ich bitte um Entschuldigung: Bei der Vorbereitung meiner Antwort ist ein Fehler aufgetreten. Darf ich Sie mit einem Mitarbeiter verbinden?",
      handoff:
        "Selbstverständlich. Ich bitte einen Mitarbeiter, sich dem Gespräch anzuschließen; er antwortet Ihnen hier.",
    },
  },
};

/** The persona's fixed lines in `lang`, with its name filled in. */
export function voiceOf(bot: Pick<BotRow, "name" | "persona">, lang: PhraseLanguage): Voice {
  const tone: Tone = bot.persona?.tone ?? "neutral";
  const base = { ...PHRASES[lang], ...NEUTRAL[lang], ...VOICE_LINES[lang] };
  const toned = TONED[tone]?.[lang];
  const v: Voice = { ...base, ...toned };
  const name = personaName(bot) || "the assistant";
  const fill = (s: string) => s.replaceAll("{bot}", name);
  return {
    greeting: fill(v.greeting),
    dontKnow: fill(v.dontKnow),
    failed: fill(v.failed),
    notCovered: fill(v.notCovered),
    notCoveredOffer: fill(v.notCoveredOffer),
    handoff: fill(v.handoff),
    didNotCatch: fill(v.didNotCatch),
    callBack: fill(v.callBack),
    transfer: fill(v.transfer),
  };
}

/**
 * The bot's opening line (widget greeting, a call's first message): the persona's own greeting,
 * else its tone's greeting in its language; a bot without a persona keeps its `greeting`.
 */
export function greetingOf(bot: Pick<BotRow, "name" | "persona" | "greeting" | "settings">): string {
  if (!bot.persona) return bot.greeting;
  if (bot.persona.greeting) return bot.persona.greeting;
  return voiceOf(bot, phraseLanguageOf(botLanguage(bot)) ?? "en").greeting;
}

/** Twilio `<Say>`/`<Gather>` locale for a bot language: "fr" → "fr-FR"; a tag with a region is kept. */
const LOCALES: Record<string, string> = {
  en: "en-US",
  fr: "fr-FR",
  es: "es-ES",
  de: "de-DE",
  pt: "pt-BR",
  it: "it-IT",
  nl: "nl-NL",
  ja: "ja-JP",
};
export function speechLocale(tag: string | null | undefined): string | null {
  if (!tag || tag === "auto") return null;
  const [primary, region] = tag.split("-");
  if (region && /^[a-zA-Z]{2}$/.test(region)) return `${primary!.toLowerCase()}-${region.toUpperCase()}`;
  return LOCALES[primary!.toLowerCase()] ?? null;
}
