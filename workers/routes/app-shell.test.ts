import { describe, expect, it } from "vitest";
import { call } from "../test/fixtures";

// Needs the dashboard built into dist/public (`npm test` builds first; alone: node dashboard/build.mjs).
describe("GET /app (dashboard shell)", () => {
  it.each(["/app", "/app/", "/app/inbox", "/app/c/conv_01abc", "/app/accept?token=inv_x"])(
    "serves the SPA shell for %s",
    async (path) => {
      const res = await call(path);
      const html = await res.text();
      expect(res.status, html.slice(0, 300)).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(html).toMatch(/<script type="module" src="\/assets\/app\.[A-Z0-9]{8}\.js"><\/script>/);
      expect(html).toMatch(/<link rel="stylesheet" href="\/assets\/app\.[A-Z0-9]{8}\.css">/);
      expect(html).toMatch(/<link rel="modulepreload" href="\/assets\/app-chunk\.[A-Z0-9]{8}\.js">/);
    },
  );

  it("is never cached and allows no inline script or foreign connections", async () => {
    const res = await call("/app/inbox");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self' ws://echo.test;");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("does not claim paths that only start with /app", async () => {
    const res = await call("/apple");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});
