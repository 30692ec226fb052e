/**
 * Fetching a page for a `{type:"url"}` source. The fetcher is injectable (`setUrlFetcher`) because
 * it is third-party HTTP: tests replace it with an in-process fake, so nothing leaves the machine.
 * In production the SSRF guard refuses hosts that name this network (loopback, private, link-local,
 * metadata addresses, single-label and .internal/.local names); redirects are followed by hand so
 * every hop is checked again.
 */
export type Fetcher = (request: Request) => Promise<Response>;

let fetcher: Fetcher = (req) => fetch(req);

/** Test seam: replaces the fetcher for URL sources; returns a function that restores the previous one. */
export function setUrlFetcher(f: Fetcher): () => void {
  const previous = fetcher;
  fetcher = f;
  return () => {
    fetcher = previous;
  };
}

export const MAX_PAGE_BYTES = 5 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const TIMEOUT_MS = 15_000;

export class UrlRefused extends Error {}

/** True when a URL's host may be fetched; `strict` (production) refuses private and local hosts. */
export function isAllowedUrl(raw: string, strict: boolean): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return false;
  if (u.username || u.password) return false;
  return !strict || !isPrivateHost(u.hostname);
}

export function isPrivateHost(hostname: string): boolean {
  const h = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (!h.includes(".") && !h.includes(":")) return true; // single label: "localhost", intranet names
  if (
    h === "localhost" ||
    h.endsWith(".localhost") ||
    h.endsWith(".local") ||
    h.endsWith(".internal") ||
    h.endsWith(".home.arpa")
  )
    return true;
  const v4 = h.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a >= 224
    );
  }
  if (/^\d+$/.test(h) || /^0x[0-9a-f]+$/.test(h)) return true; // integer-form IPv4 ("2130706433")
  if (h.includes(":")) {
    return (
      h === "::" ||
      h === "::1" ||
      h.startsWith("fc") ||
      h.startsWith("fd") ||
      h.startsWith("fe80") ||
      h.startsWith("::ffff:")
    );
  }
  return false;
}

/** Fetches a page with size, time and redirect limits; throws UrlRefused for a refused host. */
export async function fetchPage(
  url: string,
  strict: boolean,
): Promise<{ bytes: Uint8Array; contentType: string; finalUrl: string }> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (!isAllowedUrl(current, strict))
      throw new UrlRefused(`refusing to fetch ${new URL(current).host}: not a public host`);
    const res = await fetcher(
      new Request(current, {
        redirect: "manual",
        headers: {
          "user-agent": "EchoBot/1.0 (+knowledge import)",
          accept: "text/html,text/plain,text/markdown,application/pdf;q=0.9,*/*;q=0.5",
        },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      }),
    );
    if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
      current = new URL(res.headers.get("location")!, current).href;
      continue;
    }
    if (!res.ok) throw new Error(`the page answered HTTP ${res.status}`);
    const declared = Number(res.headers.get("content-length") ?? 0);
    if (declared > MAX_PAGE_BYTES) throw new Error(`the page is over ${MAX_PAGE_BYTES} bytes`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.byteLength > MAX_PAGE_BYTES) throw new Error(`the page is over ${MAX_PAGE_BYTES} bytes`);
    return { bytes, contentType: res.headers.get("content-type") ?? "text/html", finalUrl: current };
  }
  throw new Error("too many redirects");
}
