import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { AppError } from "../lib/errors";
import { problemResponse } from "../lib/problem";
import { isLoopbackHost, weakSecrets } from "../lib/secret-strength";

const verdicts = new WeakMap<object, string[]>();

/**
 * Weak or published APP_SECRET / MASTER_KEY are served only to this machine in development: a Worker
 * deployed with them (a `wrangler deploy` without `--env production`, a LAN-exposed `wrangler dev`)
 * answers every request with a 503 problem instead of signing tokens anyone can forge. Outside
 * development readConfig() already refuses them.
 */
export const secretGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const config = c.var.ctx.config;
  let weak = verdicts.get(config);
  if (!weak) {
    weak = weakSecrets({ APP_SECRET: config.appSecret, MASTER_KEY: config.masterKey });
    verdicts.set(config, weak);
  }
  if (weak.length > 0 && !(config.environment === "development" && isLoopbackHost(new URL(c.req.url).hostname))) {
    c.var.ctx.log.error("refusing to serve with weak secrets", { weak });
    return problemResponse(
      new AppError(
        "CONFIG_INVALID",
        "the server's secrets are weak or published; set APP_SECRET and MASTER_KEY with `wrangler secret put`",
      ),
      c.var.requestId,
    );
  }
  await next();
};
