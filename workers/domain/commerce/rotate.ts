import { Invalid, NotFound } from "../../lib/errors";
import { StoreError } from "../../providers/commerce/port";
import { wooStore } from "../../providers/commerce/woocommerce";
import { audit } from "../audit";
import type { Ctx } from "../ctx";
import { encryptSecret, masterKeysOf, secretHint } from "../secrets/crypto";
import { getConnection } from "./connections";
import { DEFAULT_ROTATION_GRACE_HOURS, type RotateSecretsInput } from "./schemas";
import { openConnectionSecrets, ShopifySecrets, storeFailure, storeFetch, WooSecrets } from "./store";

/**
 * Rotates a connection's stored secrets without reconnecting (issue 20). The new values replace
 * the sealed ones in one update; the webhook secret they replace stays accepted for `graceHours`
 * (Shopify's rotation guide: accept both until the old secret is revoked; WooCommerce may still
 * send queued deliveries signed with the old one). New WooCommerce API keys are checked against the
 * store first: refused keys are a 400 and change nothing. Audited with the names of what changed,
 * never the values.
 */
const HOUR_MS = 3_600_000;

const WOO_FIELDS = ["consumerKey", "consumerSecret", "webhookSecret"] as const;
const SHOPIFY_FIELDS = ["clientSecret"] as const;

function refuseForeignFields(input: RotateSecretsInput, allowed: readonly string[], platform: string) {
  const given = Object.keys(input).filter((k) => k !== "graceHours");
  const foreign = given.filter((k) => !allowed.includes(k));
  if (foreign.length)
    throw new Invalid(
      `a ${platform} connection has no such secret`,
      foreign.map((path) => ({ path, message: `${platform} secrets are ${allowed.join(", ")}` })),
    );
  if (!given.length)
    throw new Invalid("nothing to rotate", [{ path: allowed[0]!, message: `give one of ${allowed.join(", ")}` }]);
  return given;
}

function refuseUnchanged(path: string, next: string | undefined, current: string) {
  if (next !== undefined && next === current)
    throw new Invalid("the new secret equals the current one", [{ path, message: "give a new value" }]);
}

async function checkWooKeys(ctx: Ctx, storeUrl: string, consumerKey: string, consumerSecret: string) {
  try {
    await wooStore({ storeUrl, consumerKey, consumerSecret, fetch: storeFetch(ctx) }).checkCredentials();
  } catch (err) {
    if (err instanceof StoreError && err.kind === "unauthorized")
      throw new Invalid("the store refused these credentials", [
        { path: "consumerKey", message: "WooCommerce answered 401 for this consumer key and secret" },
      ]);
    throw storeFailure(err, new URL(storeUrl).host);
  }
}

export async function rotateConnectionSecrets(ctx: Ctx, id: string, input: RotateSecretsInput) {
  const row = await getConnection(ctx, id);
  const now = ctx.clock.now();
  const graceHours = input.graceHours ?? DEFAULT_ROTATION_GRACE_HOURS;
  const until = now + graceHours * HOUR_MS;
  let next: WooSecrets | ShopifySecrets;
  let rotated: string[];
  if (row.platform === "woocommerce") {
    rotated = refuseForeignFields(input, WOO_FIELDS, "WooCommerce");
    const cur = WooSecrets.parse(await openConnectionSecrets(ctx, row));
    refuseUnchanged("consumerSecret", input.consumerSecret, cur.consumerSecret);
    refuseUnchanged("webhookSecret", input.webhookSecret, cur.webhookSecret);
    next = {
      ...cur,
      consumerKey: input.consumerKey ?? cur.consumerKey,
      consumerSecret: input.consumerSecret ?? cur.consumerSecret,
    };
    if (input.consumerKey || input.consumerSecret)
      await checkWooKeys(ctx, row.storeUrl, next.consumerKey, next.consumerSecret);
    if (input.webhookSecret)
      next = {
        ...next,
        webhookSecret: input.webhookSecret,
        previousWebhookSecret: cur.webhookSecret,
        previousUntil: until,
      };
  } else {
    rotated = refuseForeignFields(input, SHOPIFY_FIELDS, "Shopify");
    const cur = ShopifySecrets.parse(await openConnectionSecrets(ctx, row));
    refuseUnchanged("clientSecret", input.clientSecret, cur.clientSecret);
    next = { ...cur, clientSecret: input.clientSecret!, previousClientSecret: cur.clientSecret, previousUntil: until };
  }
  const updated = await ctx.repos.commerceConnections.update(ctx.tenantId, row.id, {
    secretsCiphertext: await encryptSecret(masterKeysOf(ctx.config), ctx.tenantId, JSON.stringify(next)),
    secretHints: {
      ...row.secretHints,
      ...Object.fromEntries(rotated.map((k) => [k, secretHint(input[k as keyof RotateSecretsInput] as string)])),
    },
    updatedAt: new Date(now),
  });
  if (!updated) throw new NotFound("store connection", id);
  const webhookRotated = rotated.includes("webhookSecret") || rotated.includes("clientSecret");
  await audit(
    ctx,
    "commerce.secret_rotated",
    { type: "commerce_connection", id: row.id },
    {
      platform: row.platform,
      rotated,
      ...(webhookRotated ? { previousAcceptedUntil: new Date(until).toISOString() } : {}),
    },
  );
  return updated;
}
