import { Config } from "./contracts/config";
import type { Ctx } from "./domain/ctx";
import { weakSecrets } from "./lib/secret-strength";

export { Config };

/** Outside development weak or published secrets are refused here (lib/secret-strength.ts). */
const CheckedConfig = Config.refine(
  (c) =>
    c.environment === "development" || weakSecrets({ APP_SECRET: c.appSecret, MASTER_KEY: c.masterKey }).length === 0,
  { message: "APP_SECRET and MASTER_KEY must be strong random values set with `wrangler secret put`" },
);

let cached: { source: Env; config: Config } | undefined;

export function readConfig(env: Env): Config {
  if (cached?.source === env) return cached.config;
  const e = env as unknown as Record<string, string | undefined>;
  const config = CheckedConfig.parse({
    environment: e.ENVIRONMENT,
    appSecret: e.APP_SECRET,
    masterKey: e.MASTER_KEY,
    masterKeyVersion: e.MASTER_KEY_VERSION ?? "1",
    masterKeyPrevious: e.MASTER_KEY_PREVIOUS || undefined,
    masterKeyPreviousVersion: e.MASTER_KEY_PREVIOUS_VERSION || undefined,
    answerProvider: e.ANSWER_PROVIDER,
    allowPrivateEgress: e.ALLOW_PRIVATE_EGRESS === "true",
    emailInboundDomain: e.EMAIL_INBOUND_DOMAIN || undefined,
    anthropicApiBase: e.ANTHROPIC_API_BASE || undefined,
    geminiApiBase: e.GEMINI_API_BASE || undefined,
    whatsappApiBase: e.WHATSAPP_API_BASE || undefined,
    whatsappApiVersion: e.WHATSAPP_API_VERSION || undefined,
    stripeSecretKey: e.STRIPE_SECRET_KEY || undefined,
    stripeWebhookSecret: e.STRIPE_WEBHOOK_SECRET || undefined,
    stripeApiBase: e.STRIPE_API_BASE || undefined,
    shopifyApiBase: e.SHOPIFY_API_BASE || undefined,
    shopifyApiKey: e.SHOPIFY_API_KEY || undefined,
    shopifyApiSecret: e.SHOPIFY_API_SECRET || undefined,
    answerCacheTtlSeconds: e.ANSWER_CACHE_TTL_SECONDS || undefined,
    retrievalIndex: e.RETRIEVAL_INDEX || undefined,
    workspaceDeletionGraceDays: e.WORKSPACE_DELETION_GRACE_DAYS || undefined,
  });
  cached = { source: env, config };
  return config;
}

export type AppEnv = {
  Bindings: Env;
  Variables: { requestId: string; ctx: Ctx; config: Config };
};
