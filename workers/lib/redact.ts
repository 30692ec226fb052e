/**
 * Redaction of capabilities in request paths and URLs before they are logged (issue 13, item 11).
 * Some credentials must travel in URLs because the caller cannot set headers: voice custom-LLM
 * URLs carry a capability token in the path (`/hooks/voice/<p>/<id>/llm/<token>/…`), widget and
 * operator sockets a short-lived `?token=`, upload URLs a `?sig=`. Logs keep only a short prefix,
 * enough to tell two tokens apart, never enough to use one.
 */

/** Characters of a secret kept in logs (a token's prefix such as `vlt_` plus a few more). */
export const KEPT_CHARS = 8;

/** Query parameters whose values are credentials. */
const SECRET_PARAMS = new Set(["token", "sig", "signature", "key", "visitortoken", "access_token", "secret"]);

/** Path segments followed by a capability segment. */
const CAPABILITY_SEGMENTS = new Set(["llm"]);

const mask = (s: string) => (s.length <= KEPT_CHARS ? "…" : `${s.slice(0, KEPT_CHARS)}…`);

/**
 * A path (optionally with a query) or a full URL with its capability path segments and credential
 * query values cut to a short prefix. Anything else is returned unchanged.
 */
export function redactPath(pathOrUrl: string): string {
  const q = pathOrUrl.indexOf("?");
  const path = q < 0 ? pathOrUrl : pathOrUrl.slice(0, q);
  const query = q < 0 ? "" : pathOrUrl.slice(q + 1);
  const segments = path.split("/");
  for (let i = 1; i < segments.length; i++) {
    if (CAPABILITY_SEGMENTS.has(segments[i - 1]!.toLowerCase()) && segments[i]) segments[i] = mask(segments[i]!);
  }
  const out = segments.join("/");
  if (q < 0) return out;
  const params = query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 0) return pair;
      const name = pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a malformed name is logged as it came
      }
      return SECRET_PARAMS.has(decoded.toLowerCase()) ? `${name}=${mask(pair.slice(eq + 1))}` : pair;
    })
    .join("&");
  return `${out}?${params}`;
}
