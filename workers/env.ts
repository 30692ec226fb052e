import { Config } from "./contracts/config";
import type { Ctx } from "./domain/ctx";

export { Config };

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
  });
  cached = { source: env, config };
  return config;
}

export type AppEnv = {
  Bindings: Env;
  Variables: { requestId: string; ctx: Ctx; config: Config };
};
