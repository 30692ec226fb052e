import { classifyHost, isBlockedAddress } from "./egress-address";

/**
 * The one egress policy: every request the Worker makes to a URL a tenant or a provider gave it
 * (URL import, call recordings, a tenant's OpenAI-compatible `baseURL`, later integrations) goes
 * through `egressFetch`, which
 * - refuses non-http(s) URLs, credentials in URLs, and plain http outside development;
 * - refuses loopback, private, link-local, CGNAT, unique-local, multicast and metadata addresses in
 *   every notation the URL parser accepts (./egress-address.ts), and names that mean this machine
 *   (`localhost`, `*.localhost`, single-label, `.internal`, `.local`…);
 * - in production resolves other names over DNS-over-HTTPS and refuses when any answer is private
 *   (workerd has no resolver API; locally there is no network to ask, so development and tests
 *   check the spelling only, and a public name pointing at 127.0.0.1 is NOT caught there);
 * - follows redirects by hand (at most `maxRedirects`), checking every hop again;
 * - aborts after `timeoutMs` and streams the body through a byte cap that errors past `maxBytes`;
 * - with `opaqueErrors`, replaces a failed upstream's body by a generic one naming only the status.
 * `ALLOW_PRIVATE_EGRESS=true` (Config.allowPrivateEgress, refused in production) is the one switch
 * that lets loopback and private destinations through, for tests against local servers.
 * Known limit: the DoH check and the connection resolve separately (DNS rebinding can race them);
 * on Cloudflare's network a Worker's fetch cannot reach the account's private networks anyway.
 */

/** The network underneath: the global fetch, or a test's in-process server. */
export type Transport = (request: Request) => Promise<Response>;
/** Returns every A/AAAA address of a name; throws when it cannot tell. */
export type Resolver = (hostname: string) => Promise<string[]>;

export type EgressPolicy = {
  /** Loopback and private destinations allowed (ALLOW_PRIVATE_EGRESS, never in production). */
  allowPrivate: boolean;
  /** Plain http refused (everywhere but development). */
  httpsOnly: boolean;
  /** Resolves names before connecting; production only (DoH needs the network). */
  resolve?: Resolver;
  /** Defaults to the module transport (the global fetch, or the test seam below). */
  transport?: Transport;
};

export type EgressOptions = {
  /** The response body errors past this many bytes. */
  maxBytes: number;
  /** The whole exchange, body included, aborts after this many ms. */
  timeoutMs: number;
  /** Redirect hops followed (GET/HEAD only); default 3. */
  maxRedirects?: number;
  /** A non-2xx answer's body is replaced by `{"error":{"message":"upstream answered HTTP <status>"}}`. */
  opaqueErrors?: boolean;
};

/** A destination the policy refuses; the message names the host and why, never an upstream body. */
export class EgressRefused extends Error {
  override readonly name = "EgressRefused";
}
/** The exchange failed (status, size, timeout, network); the message carries no upstream body. */
export class EgressFailed extends Error {
  override readonly name = "EgressFailed";
}

const globalTransport: Transport = (req) => fetch(req);
let moduleTransport: Transport = globalTransport;

/** Test seam: the network every policy without its own transport uses; returns a restore function. */
export function setEgressTransport(t: Transport): () => void {
  const previous = moduleTransport;
  moduleTransport = t;
  return () => {
    moduleTransport = previous;
  };
}

/** The policy of a deployment: `allowPrivateEgress` is already refused in production by readConfig. */
export function egressPolicyOf(
  config: { environment: string; allowPrivateEgress?: boolean },
  transport?: Transport,
): EgressPolicy {
  const production = config.environment === "production";
  return {
    allowPrivate: !production && config.allowPrivateEgress === true,
    httpsOnly: config.environment !== "development",
    ...(production ? { resolve: dohResolver() } : {}),
    ...(transport ? { transport } : {}),
  };
}

/** The synchronous part of the check (scheme, credentials, host spelling); throws EgressRefused. */
export function checkUrl(policy: EgressPolicy, raw: string | URL): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EgressRefused("not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new EgressRefused(`refusing a ${url.protocol} URL: only http(s) is fetched`);
  if (url.protocol === "http:" && policy.httpsOnly && !policy.allowPrivate)
    throw new EgressRefused(`refusing plain http to ${url.host}: only https is fetched`);
  if (url.username || url.password) throw new EgressRefused("refusing a URL with credentials");
  const host = classifyHost(url.hostname);
  if (host.blocked && !policy.allowPrivate)
    throw new EgressRefused(`refusing to fetch ${url.host}: ${host.reason}, not a public host`);
  return url;
}

/** checkUrl plus, where a resolver exists, every resolved address. */
export async function checkDestination(policy: EgressPolicy, raw: string | URL): Promise<URL> {
  const url = checkUrl(policy, raw);
  if (policy.allowPrivate || !policy.resolve || classifyHost(url.hostname).kind !== "name") return url;
  let addresses: string[];
  try {
    addresses = await policy.resolve(url.hostname);
  } catch {
    throw new EgressRefused(`refusing to fetch ${url.host}: its addresses could not be checked`);
  }
  if (addresses.length === 0) throw new EgressRefused(`refusing to fetch ${url.host}: it does not resolve`);
  if (addresses.some(isBlockedAddress))
    throw new EgressRefused(`refusing to fetch ${url.host}: it resolves to a private address`);
  return url;
}

/** Fetches under the policy; see the file comment. Throws EgressRefused or EgressFailed. */
export async function egressFetch(
  policy: EgressPolicy,
  input: string | URL | Request,
  init: RequestInit | undefined,
  opts: EgressOptions,
): Promise<Response> {
  return (await egressExchange(policy, input, init, opts)).response;
}

/** egressFetch plus the URL that finally answered (after redirects). */
export async function egressExchange(
  policy: EgressPolicy,
  input: string | URL | Request,
  init: RequestInit | undefined,
  opts: EgressOptions,
): Promise<{ response: Response; url: URL }> {
  const first = new Request(input, init);
  const callerSignal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
  const transport = policy.transport ?? moduleTransport;
  const followable = first.method === "GET" || first.method === "HEAD";
  let request = first;
  for (let hop = 0; ; hop++) {
    const url = await checkDestination(policy, request.url);
    let res: Response;
    try {
      res = await transport(new Request(request, { redirect: "manual", signal }));
    } catch (err) {
      if (callerSignal?.aborted) throw err; // the caller's own abort stays an AbortError
      throw new EgressFailed(
        timeout.aborted ? `${url.host} did not answer within ${opts.timeoutMs} ms` : `${url.host} could not be reached`,
      );
    }
    const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
    if (!location) return { response: shapeBody(res, url, opts), url };
    await res.body?.cancel().catch(() => {});
    if (!followable) throw new EgressFailed(`${url.host} answered HTTP ${res.status} (a redirect, not followed)`);
    if (hop >= (opts.maxRedirects ?? 3)) throw new EgressFailed(`${url.host}: too many redirects`);
    const next = new URL(location, url);
    const headers = new Headers(request.headers);
    if (next.origin !== url.origin) headers.delete("authorization"); // never hand credentials to another host
    request = new Request(next, { method: request.method, headers, redirect: "manual" });
  }
}

function shapeBody(res: Response, url: URL, opts: EgressOptions): Response {
  if (opts.opaqueErrors && !res.ok) {
    void res.body?.cancel().catch(() => {});
    return Response.json(
      { error: { message: `upstream answered HTTP ${res.status}`, type: "upstream_error" } },
      { status: res.status },
    );
  }
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > opts.maxBytes) {
    void res.body?.cancel().catch(() => {});
    throw new EgressFailed(`${url.host} sent a body over the ${opts.maxBytes} byte limit`);
  }
  if (!res.body) return res;
  return new Response(capStream(res.body, opts.maxBytes, url.host), {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

/** Passes chunks through until `maxBytes`, then cancels the upstream and errors the stream. */
function capStream(body: ReadableStream<Uint8Array>, maxBytes: number, host: string): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      seen += value.byteLength;
      if (seen > maxBytes) {
        await reader.cancel().catch(() => {});
        return controller.error(new EgressFailed(`${host} sent a body over the ${maxBytes} byte limit`));
      }
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** Reads a (capped) response body into one buffer; errors from the cap arrive as EgressFailed. */
export async function readBody(res: Response): Promise<Uint8Array> {
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    if (err instanceof EgressFailed) throw err;
    throw new EgressFailed(`the response body could not be read (${err instanceof Error ? err.name : "error"})`);
  }
}

/** A `fetch` for SDKs (the openai client's `fetch` option) that goes through the policy. */
export function egressFetcher(policy: EgressPolicy, opts: EgressOptions): typeof fetch {
  return ((input: RequestInfo | URL, init?: RequestInit) => egressFetch(policy, input, init, opts)) as typeof fetch;
}

const DOH_URL = "https://cloudflare-dns.com/dns-query";
const DohAnswer = (x: unknown): string[] => {
  const answers = (x as { Status?: number; Answer?: { type?: number; data?: string }[] })?.Answer ?? [];
  return answers.filter((a) => a.type === 1 || a.type === 28).map((a) => String(a.data ?? ""));
};

/** Production resolver: Cloudflare's DNS-over-HTTPS JSON API, A and AAAA; throws on any failure (fail closed). */
export function dohResolver(transport: Transport = globalTransport): Resolver {
  return async (hostname) => {
    const lookups = ["A", "AAAA"].map(async (type) => {
      const res = await transport(
        new Request(`${DOH_URL}?name=${encodeURIComponent(hostname)}&type=${type}`, {
          headers: { accept: "application/dns-json" },
          signal: AbortSignal.timeout(3_000),
        }),
      );
      if (!res.ok) throw new Error(`DoH answered ${res.status}`);
      const body = (await res.json()) as { Status?: number };
      if (body.Status !== 0 && body.Status !== 3) throw new Error(`DoH status ${body.Status}`);
      return DohAnswer(body);
    });
    return (await Promise.all(lookups)).flat();
  };
}
