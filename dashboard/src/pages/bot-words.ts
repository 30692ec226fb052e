/**
 * The bot forms' field errors in plain words. The kit already turns a server refusal into a
 * sentence ("Line 2: use a language tag like …"); schema limits still read like a type checker
 * ("Too big: expected string to have <=80 characters"), so those are said again as a person would.
 */
export function plainWords(message: string | undefined): string | undefined {
  if (!message) return message;
  const line = /^(Line \d+: )/.exec(message)?.[1] ?? "";
  const rest = message.slice(line.length);
  const said = (s: string) => `${line}${line ? s[0]!.toLowerCase() + s.slice(1) : s}`;
  let m = /too small: expected string to have >=\s*(\d+)/i.exec(rest);
  if (m) return said(m[1] === "1" ? "This can't be empty." : `Use at least ${m[1]} characters.`);
  m = /too big: expected string to have <=\s*(\d+)/i.exec(rest);
  if (m) return said(`Use at most ${m[1]} characters.`);
  m = /too big: expected array to have <=\s*(\d+)/i.exec(rest);
  if (m) return said(`Use at most ${m[1]} entries.`);
  if (/too small: expected array/i.test(rest)) return said("Add at least one.");
  if (/invalid url/i.test(rest)) return said("Use a full address starting with https://.");
  if (/invalid option|expected one of/i.test(rest)) return said("Choose one of the listed options.");
  if (/expected string, received undefined|required/i.test(rest)) return said("This is required.");
  return message;
}

/** A link's error without the "Line N:" prefix (the link's own fields are already numbered). */
export const withoutLine = (s: string | undefined) => s?.replace(/^Line \d+: (.)/, (_, c: string) => c.toUpperCase());
