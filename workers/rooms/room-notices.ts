import { phraseLanguage, type PhraseLanguage } from "../domain/knowledge/language";

/**
 * The system lines a visitor reads when the conversation changes hands (hand-off, a person joining,
 * back to the assistant, closed), in each language the embedded answerer speaks. The room picks the
 * bot's language (persona, else bot setting; "auto": the visitor's last question) — issue 19: a
 * French bot must not hand off in English. English is the source; the other languages say the same.
 */
export type RoomNotices = {
  /** Hand-off with presence unknown, by reason (asked_for_human, low_confidence, provider_failed, quota). */
  handoff: Record<string, string>;
  handoffDefault: string;
  /** Hand-off with someone online: the first sentence, by reason; then `teammateSoon`. */
  asked: Record<string, string>;
  teammateSoon: string;
  /** Hand-off with nobody online: an optional lead by reason, then `nobody`. */
  nobodyLead: Record<string, string>;
  nobody: string;
  joined: (name: string) => string;
  back: string;
  closed: string;
};

const EN: RoomNotices = {
  handoff: {
    asked_for_human: "I've asked a person from the team to join. They'll reply here.",
    low_confidence: "I'm not sure about this one, so I've asked a person from the team to join. They'll reply here.",
    provider_failed:
      "Sorry, I couldn't finish that answer. I've asked a person from the team to join; they'll reply here.",
    // the tenant's AI answers (or AI budget) for the month are used up: honest, and a person still answers
    quota:
      "Our AI assistant can't answer more questions right now, so I've asked a person from the team to join. They'll reply here.",
  },
  handoffDefault: "I've asked a person from the team to join. They'll reply here.",
  asked: {
    asked_for_human: "I've asked a person from the team to join.",
    low_confidence: "I'm not sure about this one, so I've asked a person from the team to join.",
    provider_failed: "Sorry, I couldn't finish that answer, so I've asked a person from the team to join.",
  },
  teammateSoon: "A teammate will join shortly and reply here.",
  nobodyLead: {
    low_confidence: "I'm not sure about this one. ",
    provider_failed: "Sorry, I couldn't finish that answer. ",
  },
  nobody:
    "No one from the team is online right now. Leave your email below and we'll reply by email as soon as we can.",
  joined: (name) => `${name} joined the conversation.`,
  back: "You're chatting with the assistant again.",
  closed: "This conversation was closed.",
};

const FR: RoomNotices = {
  handoff: {
    asked_for_human: "J'ai demandé à une personne de l'équipe de vous rejoindre. Elle vous répondra ici.",
    low_confidence:
      "Je ne suis pas sûr de la réponse, alors j'ai demandé à une personne de l'équipe de vous rejoindre. Elle vous répondra ici.",
    provider_failed:
      "Désolé, je n'ai pas pu terminer cette réponse. J'ai demandé à une personne de l'équipe de vous rejoindre ; elle vous répondra ici.",
    quota:
      "Notre assistant IA ne peut plus répondre pour le moment, alors j'ai demandé à une personne de l'équipe de vous rejoindre. Elle vous répondra ici.",
  },
  handoffDefault: "J'ai demandé à une personne de l'équipe de vous rejoindre. Elle vous répondra ici.",
  asked: {
    asked_for_human: "J'ai demandé à une personne de l'équipe de vous rejoindre.",
    low_confidence:
      "Je ne suis pas sûr de la réponse, alors j'ai demandé à une personne de l'équipe de vous rejoindre.",
    provider_failed:
      "Désolé, je n'ai pas pu terminer cette réponse, alors j'ai demandé à une personne de l'équipe de vous rejoindre.",
  },
  teammateSoon: "Un membre de l'équipe va arriver et vous répondra ici.",
  nobodyLead: {
    low_confidence: "Je ne suis pas sûr de la réponse. ",
    provider_failed: "Désolé, je n'ai pas pu terminer cette réponse. ",
  },
  nobody:
    "Personne de l'équipe n'est en ligne pour le moment. Laissez votre e-mail ci-dessous et nous vous répondrons par e-mail dès que possible.",
  joined: (name) => `${name} a rejoint la conversation.`,
  back: "Vous discutez de nouveau avec l'assistant.",
  closed: "Cette conversation est terminée.",
};

const ES: RoomNotices = {
  handoff: {
    asked_for_human: "He pedido a una persona del equipo que se una. Te responderá aquí.",
    low_confidence:
      "No estoy seguro de esto, así que he pedido a una persona del equipo que se una. Te responderá aquí.",
    provider_failed:
      "Lo siento, no pude terminar esa respuesta. He pedido a una persona del equipo que se una; te responderá aquí.",
    quota:
      "Nuestro asistente de IA no puede responder más preguntas ahora mismo, así que he pedido a una persona del equipo que se una. Te responderá aquí.",
  },
  handoffDefault: "He pedido a una persona del equipo que se una. Te responderá aquí.",
  asked: {
    asked_for_human: "He pedido a una persona del equipo que se una.",
    low_confidence: "No estoy seguro de esto, así que he pedido a una persona del equipo que se una.",
    provider_failed:
      "Lo siento, no pude terminar esa respuesta, así que he pedido a una persona del equipo que se una.",
  },
  teammateSoon: "Alguien del equipo se unirá en breve y te responderá aquí.",
  nobodyLead: {
    low_confidence: "No estoy seguro de esto. ",
    provider_failed: "Lo siento, no pude terminar esa respuesta. ",
  },
  nobody:
    "Ahora mismo no hay nadie del equipo conectado. Deja tu correo abajo y te responderemos por correo lo antes posible.",
  joined: (name) => `${name} se unió a la conversación.`,
  back: "Vuelves a hablar con el asistente.",
  closed: "Esta conversación se ha cerrado.",
};

const DE: RoomNotices = {
  handoff: {
    asked_for_human: "Ich habe eine Person aus dem Team gebeten, dazuzukommen. Sie antwortet Ihnen hier.",
    low_confidence:
      "Da bin ich mir nicht sicher, deshalb habe ich eine Person aus dem Team gebeten, dazuzukommen. Sie antwortet Ihnen hier.",
    provider_failed:
      "Entschuldigung, ich konnte die Antwort nicht fertigstellen. Ich habe eine Person aus dem Team gebeten, dazuzukommen; sie antwortet Ihnen hier.",
    quota:
      "Unser KI-Assistent kann gerade keine weiteren Fragen beantworten, deshalb habe ich eine Person aus dem Team gebeten, dazuzukommen. Sie antwortet Ihnen hier.",
  },
  handoffDefault: "Ich habe eine Person aus dem Team gebeten, dazuzukommen. Sie antwortet Ihnen hier.",
  asked: {
    asked_for_human: "Ich habe eine Person aus dem Team gebeten, dazuzukommen.",
    low_confidence: "Da bin ich mir nicht sicher, deshalb habe ich eine Person aus dem Team gebeten, dazuzukommen.",
    provider_failed:
      "Entschuldigung, ich konnte die Antwort nicht fertigstellen, deshalb habe ich eine Person aus dem Team gebeten, dazuzukommen.",
  },
  teammateSoon: "Gleich kommt jemand aus dem Team dazu und antwortet Ihnen hier.",
  nobodyLead: {
    low_confidence: "Da bin ich mir nicht sicher. ",
    provider_failed: "Entschuldigung, ich konnte die Antwort nicht fertigstellen. ",
  },
  nobody:
    "Gerade ist niemand aus dem Team online. Hinterlassen Sie unten Ihre E-Mail-Adresse, und wir antworten Ihnen so bald wie möglich per E-Mail.",
  joined: (name) => `${name} ist dem Gespräch beigetreten.`,
  back: "Sie sprechen wieder mit dem Assistenten.",
  closed: "Dieses Gespräch wurde beendet.",
};

const PT: RoomNotices = {
  handoff: {
    asked_for_human: "Pedi a uma pessoa da equipe para entrar na conversa. Ela vai responder aqui.",
    low_confidence:
      "Não tenho certeza sobre isso, então pedi a uma pessoa da equipe para entrar na conversa. Ela vai responder aqui.",
    provider_failed:
      "Desculpe, não consegui terminar essa resposta. Pedi a uma pessoa da equipe para entrar na conversa; ela vai responder aqui.",
    quota:
      "Nosso assistente de IA não pode responder mais perguntas agora, então pedi a uma pessoa da equipe para entrar na conversa. Ela vai responder aqui.",
  },
  handoffDefault: "Pedi a uma pessoa da equipe para entrar na conversa. Ela vai responder aqui.",
  asked: {
    asked_for_human: "Pedi a uma pessoa da equipe para entrar na conversa.",
    low_confidence: "Não tenho certeza sobre isso, então pedi a uma pessoa da equipe para entrar na conversa.",
    provider_failed:
      "Desculpe, não consegui terminar essa resposta, então pedi a uma pessoa da equipe para entrar na conversa.",
  },
  teammateSoon: "Alguém da equipe vai entrar em breve e responder aqui.",
  nobodyLead: {
    low_confidence: "Não tenho certeza sobre isso. ",
    provider_failed: "Desculpe, não consegui terminar essa resposta. ",
  },
  nobody:
    "Ninguém da equipe está online agora. Deixe seu e-mail abaixo e responderemos por e-mail o mais rápido possível.",
  joined: (name) => `${name} entrou na conversa.`,
  back: "Você está conversando com o assistente de novo.",
  closed: "Esta conversa foi encerrada.",
};

export const ROOM_NOTICES: Record<PhraseLanguage, RoomNotices> = { en: EN, fr: FR, es: ES, de: DE, pt: PT };

/**
 * The language of the room's notices: the bot's (a tag such as "fr-CA"; unknown languages fall
 * back to English), or with "auto"/unknown the visitor's last question, else English.
 */
export function noticeLanguage(botLanguage: string | undefined, lastQuestion: string | null | undefined) {
  return phraseLanguage(botLanguage ?? "auto", undefined, lastQuestion ?? "");
}

export const noticesFor = (lang: PhraseLanguage | undefined): RoomNotices => ROOM_NOTICES[lang ?? "en"];
