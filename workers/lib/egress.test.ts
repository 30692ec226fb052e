import { describe, expect, it } from "vitest";
import { classifyHost, isBlockedAddress, parseIpv6 } from "./egress-address";
import {
  checkDestination,
  EgressFailed,
  EgressRefused,
  egressFetch,
  egressFetcher,
  egressPolicyOf,
  type EgressPolicy,
  readBody,
  type Transport,
} from "./egress";

/** What the WHATWG parser makes of a host, as the policy sees it. */
const hostOf = (url: string) => new URL(url).hostname;

/** An in-process server: records every request it gets; a refused destination must never reach it. */
function server(handler: (req: Request) => Response | Promise<Response>) {
  const seen: string[] = [];
  const transport: Transport = async (req) => {
    seen.push(req.url);
    return handler(req);
  };
  return { seen, transport };
}

const strict = (transport?: Transport, resolve?: EgressPolicy["resolve"]): EgressPolicy => ({
  allowPrivate: false,
  httpsOnly: false,
  ...(transport ? { transport } : {}),
  ...(resolve ? { resolve } : {}),
});
const OPTS = { maxBytes: 1024, timeoutMs: 5_000 };

describe("egress address checks", () => {
  it("refuses private and local destinations in every notation the URL parser accepts", () => {
    const refused = [
      "http://127.0.0.1/",
      "http://127.1/",
      "http://2130706433/",
      "http://0x7f000001/",
      "http://0x7f.0.0.1/",
      "http://0177.0.0.1/",
      "http://0/",
      "http://0.0.0.0/",
      "http://10.1.2.3/",
      "http://172.16.0.1/",
      "http://192.168.1.1/",
      "http://100.64.0.1/",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/",
      "http://[::]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:7f00:1]/",
      "http://[::ffff:169.254.169.254]/",
      "http://[64:ff9b::a9fe:a9fe]/",
      "http://[2002:7f00:1::]/",
      "http://[fd00:ec2::254]/",
      "http://[fc00::1]/",
      "http://[fe80::1]/",
      "http://localhost:8787/",
      "http://LOCALHOST./",
      "http://foo.localhost/",
      "http://intranet/",
      "http://metadata.google.internal/",
      "http://printer.local/",
    ];
    for (const u of refused) expect(classifyHost(hostOf(u)).blocked, `${u} → ${hostOf(u)}`).toBe(true);
    for (const u of ["https://help.example.com/", "http://8.8.8.8/", "http://172.32.0.1/", "http://[2606:4700::1111]/"])
      expect(classifyHost(hostOf(u)).blocked, u).toBe(false);
  });

  it("reads IPv6 in its spellings and checks resolver answers", () => {
    expect(parseIpv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6("1::2::3")).toBeNull();
    expect(parseIpv6("1:2:3")).toBeNull();
    for (const a of ["127.0.0.1", "10.0.0.7", "::1", "fd12::1", "::ffff:192.168.0.1", "garbage"])
      expect(isBlockedAddress(a), a).toBe(true);
    for (const a of ["93.184.216.34", "2606:4700:4700::1111"]) expect(isBlockedAddress(a), a).toBe(false);
  });

  it("in production: https only, a name resolving to loopback is refused, an unresolvable one too", async () => {
    const prod = egressPolicyOf({ environment: "production", allowPrivateEgress: true });
    expect(prod.allowPrivate).toBe(false); // the switch never works in production (readConfig refuses it too)
    const policy = {
      ...prod,
      resolve: async (h: string) => (h === "evil.example" ? ["127.0.0.1"] : ["93.184.216.34"]),
    };
    await expect(checkDestination(policy, "http://docs.example/")).rejects.toThrow(/only https/);
    await expect(checkDestination(policy, "https://evil.example/")).rejects.toThrow(/resolves to a private address/);
    await expect(checkDestination(policy, "https://docs.example/")).resolves.toBeInstanceOf(URL);
    const failing = { ...prod, resolve: async () => Promise.reject(new Error("no DoH")) };
    await expect(checkDestination(failing, "https://docs.example/")).rejects.toThrow(/could not be checked/);
  });

  it("only ALLOW_PRIVATE_EGRESS outside production lets loopback through", async () => {
    const dev = egressPolicyOf({ environment: "development" });
    expect(dev).toMatchObject({ allowPrivate: false, httpsOnly: false });
    await expect(checkDestination(dev, "http://127.0.0.1:9/")).rejects.toBeInstanceOf(EgressRefused);
    const optedIn = egressPolicyOf({ environment: "development", allowPrivateEgress: true });
    await expect(checkDestination(optedIn, "http://127.0.0.1:9/")).resolves.toBeInstanceOf(URL);
    await expect(checkDestination(optedIn, "file:///etc/passwd")).rejects.toThrow(/only http/);
  });
});

describe("egressFetch", () => {
  it("never connects to a refused destination", async () => {
    const s = server(() => new Response("secret"));
    for (const u of [
      "http://127.0.0.1/",
      "http://[::1]/",
      "http://2130706433/",
      "http://169.254.169.254/",
      "http://localhost/",
    ])
      await expect(egressFetch(strict(s.transport), u, undefined, OPTS), u).rejects.toBeInstanceOf(EgressRefused);
    expect(s.seen).toEqual([]);
  });

  it("re-checks every redirect hop and bounds their number", async () => {
    const s = server((req) => {
      const u = new URL(req.url);
      if (u.pathname === "/to-loopback") return Response.redirect("http://127.0.0.1:8080/admin", 302);
      if (u.pathname === "/to-metadata") return Response.redirect("http://[::ffff:169.254.169.254]/", 301);
      if (u.pathname === "/loop") return Response.redirect("https://docs.example/loop", 302);
      if (u.pathname === "/hop") return Response.redirect("https://docs.example/final", 307);
      return new Response(`at ${u.pathname}`);
    });
    const p = strict(s.transport);
    await expect(egressFetch(p, "https://docs.example/to-loopback", undefined, OPTS)).rejects.toThrow(/127\.0\.0\.1/);
    await expect(egressFetch(p, "https://docs.example/to-metadata", undefined, OPTS)).rejects.toBeInstanceOf(
      EgressRefused,
    );
    await expect(egressFetch(p, "https://docs.example/loop", undefined, OPTS)).rejects.toThrow(/too many redirects/);
    expect(s.seen.filter((u) => u.includes("127.0.0.1") || u.includes("169.254"))).toEqual([]);
    expect(await (await egressFetch(p, "https://docs.example/hop", undefined, OPTS)).text()).toBe("at /final");
    await expect(egressFetch(p, "https://docs.example/hop", { method: "POST", body: "x" }, OPTS)).rejects.toThrow(
      /not followed/,
    );
  });

  it("aborts a body past the byte cap, declared or streamed", async () => {
    const big = new Uint8Array(4096);
    const declared = server(() => new Response(big, { headers: { "content-length": "4096" } }));
    await expect(egressFetch(strict(declared.transport), "https://docs.example/", undefined, OPTS)).rejects.toThrow(
      /over the 1024 byte limit/,
    );
    let pulled = 0;
    const streamed = server(
      () =>
        new Response(
          new ReadableStream({
            pull(c) {
              pulled++;
              c.enqueue(new Uint8Array(300)); // endless: only the cap stops it
            },
          }),
        ),
    );
    const res = await egressFetch(strict(streamed.transport), "https://docs.example/", undefined, OPTS);
    await expect(readBody(res)).rejects.toThrow(/over the 1024 byte limit/);
    expect(pulled).toBeLessThan(10);
  });

  it("times out with a clear error", async () => {
    const s = server(
      (req) =>
        new Promise<Response>((_, reject) => req.signal.addEventListener("abort", () => reject(req.signal.reason))),
    );
    await expect(
      egressFetch(strict(s.transport), "https://slow.example/", undefined, { maxBytes: 10, timeoutMs: 50 }),
    ).rejects.toThrow(EgressFailed);
  });

  it("hides a failed upstream's body behind its status (SDK fetch)", async () => {
    const s = server(() =>
      Response.json({ error: { message: "Incorrect API key sk-live-XYZ; internal host 10.2.3.4" } }, { status: 401 }),
    );
    const f = egressFetcher(strict(s.transport), { ...OPTS, opaqueErrors: true });
    const res = await f("https://llm.example/v1/chat/completions", { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).not.toMatch(/sk-live|10\.2\.3\.4|Incorrect/);
    expect(text).toContain("upstream answered HTTP 401");
  });
});
