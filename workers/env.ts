import { z } from "zod";
import type { Ctx } from "./domain/ctx";
import { weakSecrets } from "./lib/secret-strength";

/**
 * Config read from vars and secrets once per isolate. APP_SECRET and MASTER_KEY are secrets: locally
 * from the gitignored `.dev.vars` (`npm start` and the tests write random ones), deployed with
 * `wrangler secret put`. Outside development weak or published values are refused here; in
 * development routes/secret-gate.ts refuses them unless the request came over loopback.
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
    /** ALLOW_PRIVATE_EGRESS=true: outbound fetches may reach loopback/private hosts (tests); see lib/egress.ts. */
    allowPrivateEgress: z.boolean().default(false),
  })
  .refine(
    (c) =>
      c.environment === "development" || weakSecrets({ APP_SECRET: c.appSecret, MASTER_KEY: c.masterKey }).length === 0,
    { message: "APP_SECRET and MASTER_KEY must be strong random values set with `wrangler secret put`" },
  )
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

let cached: { source: Env; config: Config } | undefined;

export function readConfig(env: Env): Config {
  if (cached?.source === env) return cached.config;
  const e = env as unknown as Record<string, string | undefined>;
  const config = Config.parse({
    environment: e.ENVIRONMENT,
    appSecret: e.APP_SECRET,
    masterKey: e.MASTER_KEY,
    masterKeyVersion: e.MASTER_KEY_VERSION ?? "1",
    masterKeyPrevious: e.MASTER_KEY_PREVIOUS || undefined,
    masterKeyPreviousVersion: e.MASTER_KEY_PREVIOUS_VERSION || undefined,
    answerProvider: e.ANSWER_PROVIDER,
    allowPrivateEgress: e.ALLOW_PRIVATE_EGRESS === "true",
  });
  cached = { source: env, config };
  return config;
}

export type AppEnv = {
  Bindings: Env;
  Variables: { requestId: string; ctx: Ctx; config: Config };
};
