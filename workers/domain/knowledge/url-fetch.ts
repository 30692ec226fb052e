import {
  checkUrl,
  EgressFailed,
  EgressRefused,
  egressExchange,
  type EgressPolicy,
  readBody,
  setEgressTransport,
  type Transport,
} from "../../lib/egress";

/**
 * Fetching a page for a `{type:"url"}` source, through the one egress policy (lib/egress.ts): host
 * and address checks on every redirect hop, a byte cap on the streamed body, a timeout. The network
 * is the egress transport, which tests replace with an in-process server so nothing leaves the machine.
 */
export type Fetcher = Transport;

/** Test seam kept for the knowledge tests: replaces the egress transport; returns a restore function. */
export const setUrlFetcher = setEgressTransport;

export const MAX_PAGE_BYTES = 5 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const TIMEOUT_MS = 15_000;

/** A refused destination (the policy said no): the source fails with this reason. */
export { EgressRefused as UrlRefused };

/** True when the URL passes the policy's synchronous checks (used when a url source is added). */
export function isAllowedUrl(raw: string, policy: EgressPolicy): boolean {
  try {
    checkUrl(policy, raw);
    return true;
  } catch {
    return false;
  }
}

/** Fetches a page under the egress policy; throws EgressRefused or EgressFailed with a reason fit for the source. */
export async function fetchPage(
  url: string,
  policy: EgressPolicy,
): Promise<{ bytes: Uint8Array; contentType: string; finalUrl: string }> {
  const { response: res, url: finalUrl } = await egressExchange(
    policy,
    url,
    {
      headers: {
        "user-agent": "EchoBot/1.0 (+knowledge import)",
        accept: "text/html,text/plain,text/markdown,application/pdf;q=0.9,*/*;q=0.5",
      },
    },
    { maxBytes: MAX_PAGE_BYTES, timeoutMs: TIMEOUT_MS, maxRedirects: MAX_REDIRECTS },
  );
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new EgressFailed(`the page answered HTTP ${res.status}`);
  }
  const bytes = await readBody(res);
  return { bytes, contentType: res.headers.get("content-type") ?? "text/html", finalUrl: finalUrl.href };
}
