import type { StripeFake } from "./stripe-fake.mjs";

export type StripeLocalOptions = {
  /** 127.0.0.1 port; 0 picks a free one (default 12111). */
  port?: number;
  /** Echo's origin: webhooks go to `<echo>/hooks/stripe`. */
  echo?: string;
  /** Overrides where webhooks go (loopback only). */
  webhookUrl?: string;
  /** `whsec_…`; default: a random one (see `webhookSecret` on the result). */
  webhookSecret?: string;
  /** The one secret key accepted; default: any `sk_test_…`. */
  apiKey?: string;
  log?: (line: string) => void;
};

export type StripeLocal = {
  origin: string;
  webhookSecret: string;
  fake: StripeFake;
  close(): Promise<void>;
};

export declare function startStripeLocal(opts?: StripeLocalOptions): Promise<StripeLocal>;
