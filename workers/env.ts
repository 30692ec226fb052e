import { z } from "zod";
import type { Ctx } from "./domain/ctx";

/**
 * Config read from vars and secrets once per isolate. Development defaults live in wrangler.toml;
 * production must replace them (the check below refuses the dev values there).
 */
export const Config = z
  .object({
    environment: z.enum(["development", "production", "test"]),
    appSecret: z.string().min(32),
    masterKey: z.string().min(32),
    masterKeyVersion: z.coerce.number().int().positive(),
    answerProvider: z.enum(["offline", "workers-ai", "openai"]).default("offline"),
    /** ALLOW_PRIVATE_EGRESS=true: outbound fetches may reach loopback/private hosts (tests); see lib/egress.ts. */
    allowPrivateEgress: z.boolean().default(false),
  })
  .refine(
    (c) =>
      c.environment !== "production" || (!c.appSecret.startsWith("dev-only") && !c.masterKey.startsWith("dev-only")),
    {
      message: "APP_SECRET and MASTER_KEY must be set with `wrangler secret put` in production",
    },
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
