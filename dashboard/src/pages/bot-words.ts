/** The bot forms' word helpers (field errors come in plain words from ui/words.ts). */

/** A link's error without the "Line N:" prefix (the link's own fields are already numbered). */
export const withoutLine = (s: string | undefined) => s?.replace(/^Line \d+: (.)/, (_, c: string) => c.toUpperCase());
