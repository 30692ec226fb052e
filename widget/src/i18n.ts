/**
 * Widget strings in en, es, fr, de, pt. Every language lists its strings in the order of `K`,
 * then those of the lazy forms in the order of `X` in ui/extras.ts, joined by "|" (far smaller than
 * five objects of repeated keys). English keeps the forms' strings in their own lazy chunk.
 */
/** Indexes into a language's strings; esbuild inlines them as numbers. */
export enum K {
  open,
  close,
  placeholder,
  send,
  human,
  waiting,
  agent,
  ended,
  attach,
  mic,
  micStop,
  sources,
  offline,
  sending,
  typing,
  uploadFail,
  notSent,
  /** Where the strings of the lazy email/rating forms start (see ui/extras.ts for their order). */
  extras,
}

const EN =
  "Open chat|Close chat|Type your message…|Send|Talk to a person|Waiting for a person…|You are chatting with a person|This conversation has ended|Attach a file|Speak|Stop listening|Sources|Reconnecting…|Sending…|is typing|Upload failed|Not sent";

/** Other languages are separate chunks: a visitor downloads only their own. */
const LANGS: Record<string, () => Promise<{ default: string }>> = {
  es: () => import("./lang/es"),
  fr: () => import("./lang/fr"),
  de: () => import("./lang/de"),
  pt: () => import("./lang/pt"),
};

/** Picks the first supported language among the candidates ("pt-BR" → pt), English otherwise. */
export function pickLang(...candidates: (string | undefined | null)[]): string {
  for (const c of candidates) {
    const l = c && c !== "auto" ? c.slice(0, 2).toLowerCase() : "";
    if (l === "en" || LANGS[l]) return l;
  }
  return "en";
}

/** A language's strings, indexed by K (an array at run time). */
export type Strings = Readonly<Record<K, string>>;

export async function stringsFor(lang: string): Promise<Strings> {
  const load = LANGS[lang];
  // our own build-time data, one string per K member
  return (load ? (await load()).default : EN).split("|") as unknown as Strings;
}
