import { z } from "zod";

/** The answer cache's default entry lifetime: one day (ANSWER_CACHE_TTL_SECONDS overrides it). */
export const ANSWER_CACHE_TTL_DEFAULT_SECONDS = 86_400;
/** Days a deleted workspace can still be restored before it is purged (WORKSPACE_DELETION_GRACE_DAYS). */
export const WORKSPACE_DELETION_GRACE_DEFAULT_DAYS = 7;

/**
 * Config read from vars and secrets once per isolate (env.ts `readConfig`, called by the
 * composition root only). APP_SECRET and MASTER_KEY are secrets: locally from the gitignored `.dev.vars`
 * (`npm start` and the tests write random ones), deployed with `wrangler secret put`. env.ts adds the
 * weak-secret refusal outside development (routes/secret-gate.ts covers development off loopback).
 * MASTER_KEY_PREVIOUS (+ _VERSION) is the key before the last rotation: old ciphertexts still open
 * with it and are re-sealed under MASTER_KEY (domain/secrets/rotation.ts).
 */
export const Config = z
  .object({
    environment: z.enum(["development", "production", "test"]),
    appSecret: z.string().min(32),
    masterKey: z.string().min(32),
    masterKeyVersion: z.coerce.number().int().positive(),
    masterKeyPrevious: z.string().min(32).optional(),
    masterKeyPreviousVersion: z.coerce.number().int().positive().optional(),
    answerProvider: z.enum(["offline", "workers-ai", "openai"]).default("offline"),
    /**
     * Stripe (issue 15): without a secret key billing runs embedded (plans, usage and quotas
     * enforced; Checkout and the Portal explain that Stripe is not configured). STRIPE_API_BASE
     * points the SDK at a Stripe-compatible server (`http://127.0.0.1:12111`), for tests and local fakes.
     */
    stripeSecretKey: z.string().min(1).optional(),
    stripeWebhookSecret: z.string().min(1).optional(),
    stripeApiBase: z.url().optional(),
    /** ALLOW_PRIVATE_EGRESS=true: outbound fetches may reach loopback/private hosts (tests); see lib/egress.ts. */
    allowPrivateEgress: z.boolean().default(false),
    /** EMAIL_INBOUND_DOMAIN: workspaces receive mail at `<slug>@<this domain>` (a catch-all routes it to email()). */
    emailInboundDomain: z
      .string()
      .regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/i)
      .default("inbound.echo.localhost"),
    /** ANTHROPIC_API_BASE: the Anthropic API origin bots' Anthropic links call; a local Messages-API server in tests. */
    anthropicApiBase: z.url({ protocol: /^https?$/ }).default("https://api.anthropic.com"),
    /** GEMINI_API_BASE: the Gemini API origin bots' Gemini links call; a local `streamGenerateContent` server in tests. */
    geminiApiBase: z.url({ protocol: /^https?$/ }).default("https://generativelanguage.googleapis.com"),
    /** WHATSAPP_API_BASE: the Graph API origin; a local Graph-compatible server in tests. */
    whatsappApiBase: z.url().default("https://graph.facebook.com"),
    /** WHATSAPP_API_VERSION: the Graph API version in `/<version>/<phone-number-id>/messages`. */
    whatsappApiVersion: z
      .string()
      .regex(/^v\d+\.\d+$/)
      .default("v21.0"),
    /**
     * SHOPIFY_API_BASE: where Shopify's OAuth token exchange and Admin API are reached instead of
     * `https://{shop}` (a local Shopify-compatible server in tests); unset in production.
     */
    shopifyApiBase: z.url({ protocol: /^https?$/ }).optional(),
    /** SHOPIFY_API_KEY / SHOPIFY_API_SECRET: Echo's Shopify app (client id and secret), when one is registered. */
    shopifyApiKey: z.string().min(1).optional(),
    shopifyApiSecret: z.string().min(1).optional(),
    /**
     * ANSWER_CACHE_TTL_SECONDS: how long a cached answer is served (domain/knowledge/answer-cache.ts);
     * the hourly cron deletes older entries. Default one day. Knowledge and bot changes invalidate at
     * once regardless; the TTL bounds what versioning cannot see (a provider's behaviour, a tenant's
     * provider settings other than the model name).
     */
    answerCacheTtlSeconds: z.coerce
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(ANSWER_CACHE_TTL_DEFAULT_SECONDS),
    /**
     * RETRIEVAL_INDEX: where retrieval reads a tenant's full-text index. `object` (default): a Durable
     * Object per tenant holding a copy of its chunks in its own SQLite (rooms/knowledge-index.ts), one
     * call per question; `d1`: D1's shared `knowledge_fts`, one or two D1 round trips per question.
     */
    retrievalIndex: z.enum(["object", "d1"]).default("object"),
    /**
     * WORKSPACE_DELETION_GRACE_DAYS: days between DELETE /api/workspace and the purge of everything
     * the workspace owns (domain/workspace); an owner may restore it meanwhile. Default 7.
     */
    workspaceDeletionGraceDays: z.coerce.number().int().min(0).max(90).default(WORKSPACE_DELETION_GRACE_DEFAULT_DAYS),
  })
  // MASTER_KEY_PREVIOUS needs its version (unlike the current one); a version alone is ignored, so
  // the previous key can be retired with `wrangler secret delete` before the var leaves wrangler.toml
  .refine(
    (c) =>
      c.masterKeyPrevious === undefined ||
      (c.masterKeyPreviousVersion !== undefined && c.masterKeyPreviousVersion !== c.masterKeyVersion),
    { message: "MASTER_KEY_PREVIOUS needs MASTER_KEY_PREVIOUS_VERSION, different from MASTER_KEY_VERSION" },
  )
  .refine((c) => c.environment !== "production" || !c.allowPrivateEgress, {
    message: "ALLOW_PRIVATE_EGRESS is refused in production",
  });
export type Config = z.infer<typeof Config>;
