/**
 * Prefixed, time-sortable ids: `<prefix>_<10 chars of ms time, base32><16 random chars>`.
 * Sorting ids as strings sorts them by creation time, which cursor pagination relies on.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

export const ID_PREFIXES = [
  "tnt",
  "usr",
  "bot",
  "key",
  "inv",
  "rtf",
  "role",
  "conv",
  "msg",
  "doc",
  "chk",
  "req",
  "tkt",
  "cat",
  "vint",
  "call",
  "evt",
  "att",
  "mail",
  "pwr",
  "sgn",
  "aud",
  "eml",
  "wac",
  "cmc",
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

export function newId<P extends IdPrefix>(prefix: P, now = Date.now()): `${P}_${string}` {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${randomToken(16)}`;
}

/** Random string over the base32 alphabet, from crypto.getRandomValues. */
export function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/** True when `id` carries `prefix` and the shape `newId` makes; checked before any query. */
export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`) && /^[a-z]+_[0-9a-z]{26}$/.test(id);
}
