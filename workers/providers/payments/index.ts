import type { Config } from "../../contracts/config";
import type { PaymentsPort } from "../../contracts/payments";
import { stripePayments } from "./stripe";

const cache = new WeakMap<Config, PaymentsPort | null>();

/** Stripe when both its secrets are set; otherwise null (the embedded mode: plans and quotas without payments). */
export function paymentsFor(config: Config): PaymentsPort | null {
  if (cache.has(config)) return cache.get(config)!;
  const port =
    config.stripeSecretKey && config.stripeWebhookSecret
      ? stripePayments({
          secretKey: config.stripeSecretKey,
          webhookSecret: config.stripeWebhookSecret,
          ...(config.stripeApiBase ? { apiBase: config.stripeApiBase } : {}),
          environment: config.environment,
          allowPrivateEgress: config.allowPrivateEgress,
        })
      : null;
  cache.set(config, port);
  return port;
}
