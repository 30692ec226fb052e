import { afterEach, describe, expect, it } from "vitest";
import { egressPolicyOf } from "../../lib/egress";
import { fetchPage, isAllowedUrl, setUrlFetcher, UrlRefused } from "./url-fetch";

let restore: (() => void) | undefined;
afterEach(() => restore?.());

const dev = egressPolicyOf({ environment: "development" });
const prod = { ...egressPolicyOf({ environment: "production" }), resolve: async () => ["93.184.216.34"] };

describe("url fetching under the egress policy", () => {
  it("refuses private hosts in every environment, plain http in production, non-http schemes and credentials", () => {
    expect(isAllowedUrl("http://127.0.0.1:8080/x", dev)).toBe(false);
    expect(isAllowedUrl("http://help.example.com/x", dev)).toBe(true);
    expect(isAllowedUrl("http://help.example.com/x", prod)).toBe(false);
    expect(isAllowedUrl("https://help.example.com/x", prod)).toBe(true);
    expect(isAllowedUrl("file:///etc/passwd", dev)).toBe(false);
    expect(isAllowedUrl("https://user:pw@example.com/", dev)).toBe(false);
  });

  it("re-checks every redirect hop", async () => {
    restore = setUrlFetcher(
      async () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data" } }),
    );
    await expect(fetchPage("https://help.example.com/a", prod)).rejects.toBeInstanceOf(UrlRefused);
  });

  it("returns the body, content type and final URL through the egress transport", async () => {
    restore = setUrlFetcher(async (req) =>
      new URL(req.url).pathname === "/old"
        ? Response.redirect("https://help.example.com/faq", 301)
        : new Response(`hello from ${new URL(req.url).pathname}`, { headers: { "content-type": "text/plain" } }),
    );
    const page = await fetchPage("https://help.example.com/old", prod);
    expect(new TextDecoder().decode(page.bytes)).toBe("hello from /faq");
    expect(page.contentType).toBe("text/plain");
    expect(page.finalUrl).toBe("https://help.example.com/faq");
  });
});
