/** Languages whose fixed phrases the answerer knows; anything else falls back to English. */
export const PHRASE_LANGUAGES = ["en", "es", "fr", "de", "pt"] as const;
export type PhraseLanguage = (typeof PHRASE_LANGUAGES)[number];

const MARKERS: Record<PhraseLanguage, string[]> = {
  en: ["the", "how", "what", "is", "do", "can", "my", "i", "you", "does", "to", "and", "where", "why", "when"],
  es: [
    "el",
    "la",
    "los",
    "las",
    "como",
    "cómo",
    "que",
    "qué",
    "es",
    "mi",
    "puedo",
    "para",
    "por",
    "una",
    "cuanto",
    "cuánto",
    "donde",
    "dónde",
    "y",
  ],
  fr: [
    "le",
    "la",
    "les",
    "comment",
    "est",
    "mon",
    "ma",
    "je",
    "puis",
    "pour",
    "une",
    "des",
    "quel",
    "quelle",
    "et",
    "vous",
    "combien",
    "où",
  ],
  de: [
    "der",
    "die",
    "das",
    "wie",
    "ist",
    "mein",
    "meine",
    "ich",
    "kann",
    "und",
    "für",
    "ein",
    "eine",
    "was",
    "wo",
    "nicht",
    "viel",
  ],
  pt: [
    "o",
    "os",
    "as",
    "como",
    "é",
    "meu",
    "minha",
    "posso",
    "para",
    "uma",
    "um",
    "que",
    "onde",
    "quanto",
    "e",
    "não",
    "do",
    "da",
  ],
};

/**
 * Guesses the language of a short question by counting function words (diacritics kept, so "cómo"
 * and "é" count). Returns null when nothing distinguishes the candidates.
 */
export function detectLanguage(text: string): PhraseLanguage | null {
  const words = text.toLowerCase().match(/[\p{L}]+/gu) ?? [];
  let best: PhraseLanguage | null = null;
  let bestScore = 0;
  for (const lang of PHRASE_LANGUAGES) {
    const set = new Set(MARKERS[lang]);
    const score = words.filter((w) => set.has(w)).length + (lang === "en" ? 0.1 : 0);
    if (score > bestScore) {
      best = lang;
      bestScore = score;
    }
  }
  return bestScore >= 1 ? best : null;
}

/** The language the answer's fixed phrases use: the bot's setting, else the hint, else detection. */
export function phraseLanguage(botLanguage: string, hint: string | undefined, question: string): PhraseLanguage {
  const pick = (tag: string | undefined | null) => {
    const primary = tag?.toLowerCase().split("-")[0];
    return PHRASE_LANGUAGES.find((l) => l === primary);
  };
  if (botLanguage && botLanguage !== "auto") return pick(botLanguage) ?? "en";
  return detectLanguage(question) ?? pick(hint) ?? "en";
}

/**
 * `notCovered` opens an answer whose question turns on words the knowledge never uses (`{what}`: those
 * words, quoted), and `notCoveredOffer` closes it: the closest passage is still given, the visitor is
 * told it may not be what they asked and is offered a person.
 */
export const PHRASES: Record<
  PhraseLanguage,
  { dontKnow: string; failed: string; empty: string; notCovered: string; notCoveredOffer: string }
> = {
  en: {
    dontKnow:
      "I'm not sure about that, and I'd rather not guess. Would you like me to connect you with a person from our team?",
    failed:
      "Sorry, something went wrong while I was answering. Would you like me to connect you with a person from our team?",
    empty: "Could you tell me a bit more about what you need?",
    notCovered: "I don't know about {what}: our help centre doesn't mention it. The closest I found:",
    notCoveredOffer: "If that isn't what you need, would you like me to connect you with a person from our team?",
  },
  es: {
    dontKnow:
      "No estoy seguro de eso y prefiero no adivinar. ¿Quieres que te ponga en contacto con una persona de nuestro equipo?",
    failed:
      "Lo siento, algo salió mal mientras respondía. ¿Quieres que te ponga en contacto con una persona de nuestro equipo?",
    empty: "¿Podrías contarme un poco más sobre lo que necesitas?",
    notCovered: "No estoy seguro sobre {what}: nuestro centro de ayuda no lo menciona. Lo más cercano que encontré:",
    notCoveredOffer: "Si no es lo que necesitas, ¿quieres que te ponga en contacto con una persona de nuestro equipo?",
  },
  fr: {
    dontKnow:
      "Je ne suis pas sûr de la réponse et je préfère ne pas deviner. Voulez-vous que je vous mette en relation avec une personne de notre équipe ?",
    failed:
      "Désolé, un problème est survenu pendant ma réponse. Voulez-vous que je vous mette en relation avec une personne de notre équipe ?",
    empty: "Pouvez-vous m'en dire un peu plus sur ce dont vous avez besoin ?",
    notCovered: "Je ne suis pas sûr pour {what} : notre centre d'aide n'en parle pas. Le plus proche que j'ai trouvé :",
    notCoveredOffer:
      "Si ce n'est pas ce qu'il vous faut, voulez-vous que je vous mette en relation avec une personne de notre équipe ?",
  },
  de: {
    dontKnow:
      "Da bin ich mir nicht sicher, und ich möchte nicht raten. Soll ich Sie mit einer Person aus unserem Team verbinden?",
    failed:
      "Entschuldigung, bei meiner Antwort ist etwas schiefgelaufen. Soll ich Sie mit einer Person aus unserem Team verbinden?",
    empty: "Können Sie mir etwas mehr darüber sagen, was Sie brauchen?",
    notCovered: "Bei {what} bin ich mir nicht sicher: Unser Hilfe-Center erwähnt das nicht. Am nächsten kommt dem:",
    notCoveredOffer: "Falls das nicht das Gesuchte ist: Soll ich Sie mit einer Person aus unserem Team verbinden?",
  },
  pt: {
    dontKnow:
      "Não tenho certeza sobre isso e prefiro não adivinhar. Quer que eu o coloque em contato com uma pessoa da nossa equipe?",
    failed:
      "Desculpe, algo deu errado enquanto eu respondia. Quer que eu o coloque em contato com uma pessoa da nossa equipe?",
    empty: "Pode me contar um pouco mais sobre o que você precisa?",
    notCovered:
      "Não tenho certeza sobre {what}: nossa central de ajuda não menciona isso. O mais próximo que encontrei:",
    notCoveredOffer: "Se não for isso, quer que eu o coloque em contato com uma pessoa da nossa equipe?",
  },
};
