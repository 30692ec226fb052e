import { afterEach, describe, expect, it } from "vitest";
import { fetchPage, isAllowedUrl, isPrivateHost, setUrlFetcher, UrlRefused } from "./url-fetch";

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe("url fetching and the SSRF guard", () => {
  it("recognises loopback, private, link-local and internal hosts", () => {
    for (const h of [
      "localhost",
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "[::1]",
      "fd00::1",
      "intranet",
      "db.internal",
      "printer.local",
      "2130706433",
      "0.0.0.0",
    ]) {
      expect(isPrivateHost(h), h).toBe(true);
    }
    for (const h of ["help.example.com", "8.8.8.8", "172.32.0.1"]) expect(isPrivateHost(h), h).toBe(false);
  });

  it("refuses private hosts only in strict (production) mode, and never non-http schemes or credentials", () => {
    expect(isAllowedUrl("http://127.0.0.1:8080/x", false)).toBe(true);
    expect(isAllowedUrl("http://127.0.0.1:8080/x", true)).toBe(false);
    expect(isAllowedUrl("file:///etc/passwd", false)).toBe(false);
    expect(isAllowedUrl("https://user:pw@example.com/", false)).toBe(false);
  });

  it("re-checks every redirect hop", async () => {
    restore = setUrlFetcher(
      async () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data" } }),
    );
    await expect(fetchPage("https://help.example.com/a", true)).rejects.toBeInstanceOf(UrlRefused);
  });

  it("returns the body and content type through the injected fetcher", async () => {
    restore = setUrlFetcher(
      async (req) =>
        new Response(`hello from ${new URL(req.url).pathname}`, { headers: { "content-type": "text/plain" } }),
    );
    const page = await fetchPage("https://help.example.com/faq", true);
    expect(new TextDecoder().decode(page.bytes)).toBe("hello from /faq");
    expect(page.contentType).toBe("text/plain");
  });
});
