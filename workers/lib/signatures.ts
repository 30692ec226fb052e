/**
 * Webhook signature verifiers, one per provider scheme, each exactly as the provider specifies
 * (sources and published test vectors: shared/reference/protocols.md). All of them:
 * - work on the raw request body (never re-serialised JSON),
 * - compare in constant time (`timingSafeEqual`),
 * - take `nowMs` from the caller's clock, so tests fix time,
 * - return a result with a reason instead of throwing, so callers answer 401 uniformly.
 */
import { hmac, sha256Hex, timingSafeEqual, toBase64, toHex } from "./crypto";

export type VerifyResult =
  { ok: true; timestampMs?: number } | { ok: false; reason: "missing" | "malformed" | "mismatch" | "stale" };

const ok = (timestampMs?: number): VerifyResult => ({ ok: true, ...(timestampMs !== undefined && { timestampMs }) });
const fail = (reason: "missing" | "malformed" | "mismatch" | "stale"): VerifyResult => ({ ok: false, reason });

/** Retell: `X-Retell-Signature: v=<ms>,d=<hex HMAC-SHA256(apiKey, body + ms)>`, ±5 minutes. */
export const RETELL_TOLERANCE_MS = 5 * 60 * 1000;
/** ElevenLabs: `ElevenLabs-Signature: t=<s>,v0=<hex HMAC-SHA256(secret, "t.body")>`; the SDK allows 30 min in the past. */
export const ELEVENLABS_TOLERANCE_MS = 30 * 60 * 1000;
/** Stripe: `Stripe-Signature: t=<s>,v1=<hex>[,v1=…]`, 300 s (stripe-node DEFAULT_TOLERANCE). */
export const STRIPE_TOLERANCE_MS = 300 * 1000;
/** Future skew we accept where the vendor SDK checks only the past (clock drift between hosts). */
export const FUTURE_SKEW_MS = 5 * 60 * 1000;

export async function verifyRetell(input: {
  apiKey: string;
  rawBody: string;
  header: string | null | undefined;
  nowMs: number;
}): Promise<VerifyResult> {
  if (!input.header) return fail("missing");
  // same grammar as retell-python-sdk: re.fullmatch(r"v=(\d+),d=([0-9a-f]{64})")
  const m = /^v=(\d{1,16}),d=([0-9a-f]{64})$/i.exec(input.header.trim());
  if (!m) return fail("malformed");
  const ts = Number(m[1]);
  if (!Number.isSafeInteger(ts) || Math.abs(input.nowMs - ts) > RETELL_TOLERANCE_MS) return fail("stale");
  const expected = toHex(await hmac("SHA-256", input.apiKey, input.rawBody + m[1]));
  return timingSafeEqual(expected, m[2]!.toLowerCase()) ? ok(ts) : fail("mismatch");
}

export async function verifyElevenLabs(input: {
  secret: string;
  rawBody: string;
  header: string | null | undefined;
  nowMs: number;
}): Promise<VerifyResult> {
  if (!input.header) return fail("missing");
  const parts = splitPairs(input.header);
  const t = parts.get("t")?.[0];
  const v0 = parts.get("v0")?.[0];
  if (!t || !/^\d{1,12}$/.test(t) || !v0) return fail("malformed");
  const tsMs = Number(t) * 1000;
  if (tsMs < input.nowMs - ELEVENLABS_TOLERANCE_MS || tsMs > input.nowMs + FUTURE_SKEW_MS) return fail("stale");
  const expected = toHex(await hmac("SHA-256", input.secret, `${t}.${input.rawBody}`));
  return timingSafeEqual(expected, v0.toLowerCase()) ? ok(tsMs) : fail("mismatch");
}

export async function verifyStripe(input: {
  secret: string;
  rawBody: string;
  header: string | null | undefined;
  nowMs: number;
  toleranceMs?: number;
}): Promise<VerifyResult> {
  if (!input.header) return fail("missing");
  const parts = splitPairs(input.header);
  const t = parts.get("t")?.[0];
  const v1s = parts.get("v1") ?? [];
  if (!t || !/^\d{1,12}$/.test(t)) return fail("malformed");
  if (v1s.length === 0) return fail("malformed");
  const tsMs = Number(t) * 1000;
  const tolerance = input.toleranceMs ?? STRIPE_TOLERANCE_MS;
  if (input.nowMs - tsMs > tolerance || tsMs - input.nowMs > FUTURE_SKEW_MS) return fail("stale");
  const expected = toHex(await hmac("SHA-256", input.secret, `${t}.${input.rawBody}`));
  // several v1 values during secret rotation: accept when any matches (check all, no early exit)
  let match = false;
  for (const v of v1s) match = timingSafeEqual(expected, v.toLowerCase()) || match;
  return match ? ok(tsMs) : fail("mismatch");
}

/** Meta (WhatsApp, Messenger) `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(appSecret, body)>`; no timestamp. */
export async function verifyHubSignature256(input: {
  secret: string;
  rawBody: string;
  header: string | null | undefined;
}): Promise<VerifyResult> {
  if (!input.header) return fail("missing");
  const m = /^sha256=([0-9a-f]{64})$/i.exec(input.header.trim());
  if (!m) return fail("malformed");
  const expected = toHex(await hmac("SHA-256", input.secret, input.rawBody));
  return timingSafeEqual(expected, m[1]!.toLowerCase()) ? ok() : fail("mismatch");
}

/** Plain shared-secret headers (Vapi `X-Vapi-Secret`, `Authorization: Bearer`): constant-time equality. */
export function verifySharedSecret(input: { secret: string; presented: string | null | undefined }): VerifyResult {
  if (!input.presented) return fail("missing");
  return timingSafeEqual(input.secret, input.presented) ? ok() : fail("mismatch");
}

/**
 * Vapi HMAC credential (`HmacAuthenticationPlan`): signature over `payloadFormat` (default
 * `{timestamp}.{body}`) in `signatureHeader`, timestamp in `timestampHeader`. Vapi does not document
 * the timestamp unit, so values above 1e12 are read as milliseconds and smaller ones as seconds.
 */
export async function verifyVapiHmac(input: {
  secret: string;
  rawBody: string;
  signature: string | null | undefined;
  timestamp: string | null | undefined;
  nowMs: number;
  toleranceMs?: number;
  algorithm?: "SHA-256" | "SHA-1";
  signaturePrefix?: string;
  encoding?: "hex" | "base64";
}): Promise<VerifyResult> {
  if (!input.signature || !input.timestamp) return fail("missing");
  if (!/^\d{1,16}$/.test(input.timestamp)) return fail("malformed");
  const raw = Number(input.timestamp);
  const tsMs = raw > 1e12 ? raw : raw * 1000;
  if (Math.abs(input.nowMs - tsMs) > (input.toleranceMs ?? RETELL_TOLERANCE_MS)) return fail("stale");
  const prefix = input.signaturePrefix ?? "";
  const presented = input.signature.trim();
  if (!presented.startsWith(prefix)) return fail("malformed");
  const mac = await hmac(input.algorithm ?? "SHA-256", input.secret, `${input.timestamp}.${input.rawBody}`);
  const expected = input.encoding === "base64" ? toBase64(mac) : toHex(mac);
  const got = presented.slice(prefix.length);
  return timingSafeEqual(expected, input.encoding === "base64" ? got : got.toLowerCase()) ? ok(tsMs) : fail("mismatch");
}

/** Twilio form parameters: repeated names become arrays, as twilio-node receives them from express. */
export type TwilioParams = Record<string, string | string[]>;

/**
 * `X-Twilio-Signature` = base64(HMAC-SHA1(authToken, url + sorted name+value pairs)). Twilio signs
 * inconsistently, so (like twilio-node's validateRequest) the URL is tried as given, in WHATWG form,
 * without its port and with the scheme's standard port, and with a legacy query-string encoding.
 * For JSON bodies Twilio puts `bodySHA256` in the query: pass `rawBody` and no params.
 */
export async function verifyTwilio(input: {
  authToken: string;
  url: string;
  params?: TwilioParams;
  rawBody?: string;
  header: string | null | undefined;
}): Promise<VerifyResult> {
  if (!input.header) return fail("missing");
  let parsed: URL;
  try {
    parsed = new URL(input.url);
  } catch {
    return fail("malformed");
  }
  const bodyHash = parsed.searchParams.get("bodySHA256");
  let params = input.params ?? {};
  if (bodyHash !== null) {
    // JSON-body variant: the signature covers the URL only; the body must match the hash in it
    if (input.rawBody === undefined || !timingSafeEqual(await sha256Hex(input.rawBody), bodyHash.toLowerCase()))
      return fail("mismatch");
    params = {};
  }
  const suffix = twilioParamString(params);
  let match = false;
  for (const url of twilioUrlCandidates(input.url)) {
    const expected = toBase64(await hmac("SHA-1", input.authToken, url + suffix));
    match = timingSafeEqual(expected, input.header.trim()) || match;
  }
  return match ? ok() : fail("mismatch");
}

/** The parameter part of the string Twilio signs (sorted names, each followed by its values). */
export function twilioParamString(params: TwilioParams): string {
  // JS default sort (UTF-16 code units), as twilio-node's Object.keys(params).sort()
  return Object.keys(params)
    .sort()
    .map((k) => {
      const v = params[k]!;
      return Array.isArray(v)
        ? [...new Set(v)]
            .sort()
            .map((x) => k + x)
            .join("")
        : k + v;
    })
    .join("");
}

/** The URL spellings Twilio may have signed (deduplicated). Exported for tests. */
export function twilioUrlCandidates(url: string): string[] {
  const out = new Set<string>([url]);
  const u = new URL(url);
  const whatwg = u.toString();
  out.add(whatwg);
  const noPort = new URL(whatwg);
  noPort.port = "";
  out.add(noPort.toString());
  if (!u.port) out.add(withStandardPort(u));
  for (const s of [...out]) out.add(legacyQuery(s));
  return [...out];
}

function withStandardPort(u: URL): string {
  const port = u.protocol === "https:" ? ":443" : ":80";
  const auth = u.username || u.password ? `${u.username}${u.password ? `:${u.password}` : ""}@` : "";
  return `${u.protocol}//${auth}${u.host}${port}${u.pathname}${u.search}${u.hash}`;
}

/** Node `querystring.stringify(querystring.parse(q))`: `+` read as space, then RFC 3986 escaping. */
function legacyQuery(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const hashAt = url.indexOf("#", q);
  const query = url.slice(q + 1, hashAt < 0 ? undefined : hashAt);
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "));
    } catch {
      return s;
    }
  };
  const pairs = query
    .split("&")
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf("=");
      const [k, v] = i < 0 ? [p, ""] : [p.slice(0, i), p.slice(i + 1)];
      return `${encodeURIComponent(dec(k))}=${encodeURIComponent(dec(v))}`;
    });
  return `${url.slice(0, q)}?${pairs.join("&")}${hashAt < 0 ? "" : url.slice(hashAt)}`;
}

/** `a=1,b=2,b=3` → {a:[1], b:[2,3]}; values may contain `=`. */
function splitPairs(header: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of header.split(",")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    out.set(k, [...(out.get(k) ?? []), part.slice(i + 1).trim()]);
  }
  return out;
}

/**
 * A header carrying the base64 HMAC-SHA256 of the raw body under a shared secret, with no timestamp:
 * Shopify's `X-Shopify-Hmac-Sha256` (app client secret; replays are dropped by `X-Shopify-Webhook-Id`
 * where the caller keeps them) and WooCommerce's `X-WC-Webhook-Signature` (webhook secret).
 */
export async function verifyBase64BodyHmac(input: {
  secret: string;
  rawBody: string | Uint8Array<ArrayBuffer>;
  header: string | null | undefined;
}): Promise<VerifyResult> {
  if (!input.header) return fail("missing");
  if (!/^[A-Za-z0-9+/]{43}=$/.test(input.header.trim())) return fail("malformed");
  const expected = toBase64(await hmac("SHA-256", input.secret, input.rawBody));
  return timingSafeEqual(expected, input.header.trim()) ? ok() : fail("mismatch");
}

export const verifyShopifyWebhook = verifyBase64BodyHmac;
export const verifyWooCommerceWebhook = verifyBase64BodyHmac;

/**
 * Shopify OAuth redirects (install and callback): every query parameter but `hmac` (and the legacy
 * `signature`), sorted by name, joined as `name=value` with `&`; `hmac` is the lowercase hex
 * HMAC-SHA256 of that string under the app's client secret. `timestamp` (seconds) must be recent.
 */
export const SHOPIFY_OAUTH_TOLERANCE_MS = 24 * 60 * 60 * 1000;
export async function verifyShopifyQuery(input: {
  secret: string;
  params: URLSearchParams;
  nowMs: number;
}): Promise<VerifyResult> {
  const presented = input.params.get("hmac");
  if (!presented) return fail("missing");
  if (!/^[0-9a-f]{64}$/i.test(presented)) return fail("malformed");
  const ts = Number(input.params.get("timestamp"));
  if (!Number.isFinite(ts) || ts <= 0) return fail("malformed");
  if (Math.abs(input.nowMs - ts * 1000) > SHOPIFY_OAUTH_TOLERANCE_MS) return fail("stale");
  const expected = toHex(await hmac("SHA-256", input.secret, shopifyQueryMessage(input.params)));
  return timingSafeEqual(expected, presented.toLowerCase()) ? ok(ts * 1000) : fail("mismatch");
}

/** The string Shopify signs in an OAuth redirect (see verifyShopifyQuery). */
export function shopifyQueryMessage(params: URLSearchParams): string {
  return [...params.entries()]
    .filter(([k]) => k !== "hmac" && k !== "signature")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/** Helpers for tests and local tools that need to produce signatures (never used to verify). */
export const sign = {
  retell: async (apiKey: string, rawBody: string, tsMs: number) =>
    `v=${tsMs},d=${toHex(await hmac("SHA-256", apiKey, rawBody + String(tsMs)))}`,
  elevenLabs: async (secret: string, rawBody: string, tsSec: number) =>
    `t=${tsSec},v0=${toHex(await hmac("SHA-256", secret, `${tsSec}.${rawBody}`))}`,
  stripe: async (secret: string, rawBody: string, tsSec: number) =>
    `t=${tsSec},v1=${toHex(await hmac("SHA-256", secret, `${tsSec}.${rawBody}`))}`,
  hub256: async (secret: string, rawBody: string) => `sha256=${toHex(await hmac("SHA-256", secret, rawBody))}`,
  twilio: async (authToken: string, url: string, params: TwilioParams = {}) =>
    toBase64(await hmac("SHA-1", authToken, url + twilioParamString(params))),
  shopify: async (secret: string, rawBody: string) => toBase64(await hmac("SHA-256", secret, rawBody)),
  shopifyQuery: async (secret: string, params: URLSearchParams) =>
    toHex(await hmac("SHA-256", secret, shopifyQueryMessage(params))),
  wooCommerce: async (secret: string, rawBody: string) => toBase64(await hmac("SHA-256", secret, rawBody)),
  vapiHmac: async (secret: string, rawBody: string, timestamp: string) =>
    toHex(await hmac("SHA-256", secret, `${timestamp}.${rawBody}`)),
};
