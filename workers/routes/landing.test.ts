import { describe, expect, it } from "vitest";
import { CREDIT_PACKS, PLANS, type Plan } from "../domain/billing/plans";
import { call } from "../test/fixtures";
import { renderLanding } from "./landing-page";

/** The landing page at `/`: static, script-free, and its plans come from the catalogue. */

const plans = Object.values(PLANS);
const packs = Object.values(CREDIT_PACKS);
const usd = (cents: number) => `$${(cents / 100).toLocaleString("en-US")}`;
/** The text of a rendered plan card (tags dropped). */
const card = (html: string, id: string) =>
  (new RegExp(`<li class="plan" id="plan-${id}">([\\s\\S]*?)</ul>`).exec(html)?.[1] ?? "").replace(/<[^>]+>/g, " ");

describe("GET /", () => {
  it("serves the landing page: every plan of the catalogue with its price and limits, and the way in", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('name="viewport"');
    for (const p of plans) {
      const text = card(html, p.id);
      expect(text, p.id).toContain(p.name);
      expect(text, p.id).toContain(usd(p.priceCents));
      const answers =
        p.limits.aiAnswers === null
          ? "Unlimited AI answers"
          : `${p.limits.aiAnswers.toLocaleString("en-US")} AI answers`;
      expect(text, p.id).toContain(answers);
      const minutes =
        p.limits.voiceMinutes === null
          ? "Unlimited voice minutes"
          : `${p.limits.voiceMinutes.toLocaleString("en-US")} voice minutes`;
      expect(text, p.id).toContain(minutes);
    }
    for (const k of packs) expect(html).toContain(k.name);
    expect(card(html, "pro")).toContain("Past the quota: $0.02 an answer");
    for (const href of ["/app/signup", "/demo/", "/api/openapi.json", "/app/login"])
      expect(html).toContain(`href="${href}"`);
  });

  it("is answered for HEAD too, and other paths are still 404 problems", async () => {
    expect((await call("/", { method: "HEAD" })).status).toBe(200);
    const missing = await call("/no-such-page");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("renderLanding", () => {
  it("renders whatever the catalogue says: a changed price, limit, channel or overage shows on the page", () => {
    const pro = PLANS.pro;
    const changed: Plan = {
      ...pro,
      name: "Pro <Plus>",
      priceCents: 12_345,
      limits: { ...pro.limits, aiAnswers: 7777, voiceMinutes: null },
      channels: ["chat"],
      overage: { kind: "metered", unitPriceMicros: 35_000, meterEvent: "x" },
    };
    const html = renderLanding({ plans: [changed], creditPacks: [] });
    const text = card(html, "pro");
    expect(text).toContain("Pro &lt;Plus&gt;");
    expect(text).toContain("$123.45");
    expect(text).toContain("7,777 AI answers");
    expect(text).toContain("Unlimited voice minutes");
    expect(text).toContain("Channels: website chat");
    expect(text).not.toContain("WhatsApp");
    expect(text).toContain("Past the quota: $0.035 an answer");
    expect(html).not.toContain("Free");
    expect(html).not.toContain("Credit packs");
  });
});
