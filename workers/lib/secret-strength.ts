/**
 * Which secrets the Worker refuses to run with. APP_SECRET signs every token and MASTER_KEY seals
 * every tenant secret, so a guessable value hands out owner tokens and provider keys. The values
 * once committed to wrangler.toml are public forever; short or low-entropy values are guessable.
 */

/** Secrets that were committed to this repository (wrangler.toml `[vars]`) and are therefore public. */
export const KNOWN_DEV_SECRETS: readonly string[] = [
  "dev-only-app-secret-change-me-0123456789abcdef",
  "dev-only-master-key-change-me-0123456789abcdef",
];

export const MIN_SECRET_LENGTH = 32;
/** Estimated bits: length × Shannon entropy of the value's own characters. 32 random hex bytes ≈ 240. */
export const MIN_SECRET_BITS = 128;

function estimatedBits(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...value].length;
  let perChar = 0;
  for (const c of counts.values()) perChar -= (c / n) * Math.log2(c / n);
  return perChar * n;
}

/** Why `value` is not fit to be a secret, or null when it is. */
export function secretWeakness(value: string | undefined): string | null {
  if (!value) return "missing";
  if (KNOWN_DEV_SECRETS.includes(value) || /^dev-only/i.test(value)) return "a published development value";
  if (value.length < MIN_SECRET_LENGTH) return `shorter than ${MIN_SECRET_LENGTH} characters`;
  const distinct = new Set(value).size;
  if (distinct < 10 || estimatedBits(value) < MIN_SECRET_BITS) return "too little entropy";
  return null;
}

/** The weak ones among the secrets the Worker uses, as "NAME (reason)"; empty when all are fit. */
export function weakSecrets(secrets: { APP_SECRET?: string; MASTER_KEY?: string }): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    const why = secretWeakness(value);
    if (why) out.push(`${name} (${why})`);
  }
  if (secrets.APP_SECRET && secrets.APP_SECRET === secrets.MASTER_KEY) out.push("APP_SECRET equals MASTER_KEY");
  return out;
}

/** 127.0.0.1 (any 127/8), localhost, [::1]: a host only this machine can reach us on. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  return h === "localhost" || h.endsWith(".localhost") || h === "[::1]" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}
