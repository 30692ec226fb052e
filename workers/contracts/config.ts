import { z } from "zod";

/**
 * Config read from vars and secrets once per isolate (env.ts `readConfig`, called by the
 * composition root only). Development defaults live in wrangler.toml; production must replace them
 * (the check below refuses the dev values there).
 */
export const Config = z
  .object({
    environment: z.enum(["development", "production", "test"]),
    appSecret: z.string().min(32),
    masterKey: z.string().min(32),
    masterKeyVersion: z.coerce.number().int().positive(),
    answerProvider: z.enum(["offline", "workers-ai", "openai"]).default("offline"),
  })
  .refine(
    (c) =>
      c.environment !== "production" || (!c.appSecret.startsWith("dev-only") && !c.masterKey.startsWith("dev-only")),
    {
      message: "APP_SECRET and MASTER_KEY must be set with `wrangler secret put` in production",
    },
  );
export type Config = z.infer<typeof Config>;
