import { Hono } from "hono";
import type { AppEnv } from "../env";
import { CREDIT_PACKS, PLANS } from "../domain/billing/plans";
import { renderLanding } from "./landing-page";

/** Built once per isolate: the catalogue is code, so the page only changes with a deploy. */
let page: string | undefined;

/**
 * GET / — the public landing page (landing-page.ts). Static HTML with a strict CSP: no script at
 * all, inline style only, nothing framed; cacheable for five minutes.
 */
export const landingRoutes = new Hono<AppEnv>().get("/", (c) => {
  page ??= renderLanding({ plans: Object.values(PLANS), creditPacks: Object.values(CREDIT_PACKS) });
  return c.body(page, 200, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "public, max-age=300",
    "content-security-policy":
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
});
