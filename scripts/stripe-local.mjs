// A local Stripe-compatible server on loopback (node:http around scripts/stripe-fake.mjs), for the
// browser test of the billing flow and for a person trying Checkout and the Portal against
// `npm start` with no Stripe account and no network:
//
//   node scripts/stripe-local.mjs --port 12111 --echo http://127.0.0.1:8787 --webhook-secret whsec_local_example
//   STRIPE_SECRET_KEY=sk_test_local STRIPE_WEBHOOK_SECRET=whsec_local_example \
//     STRIPE_API_BASE=http://127.0.0.1:12111 ALLOW_PRIVATE_EGRESS=true npm start
//
// Webhooks go to `<echo>/hooks/stripe` (or --webhook-url), signed with the secret by the `stripe`
// SDK. Only loopback addresses are served and called: nothing leaves this machine.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { assertLoopback, listenLoopback } from "./loopback.mjs";
import { createStripeFake } from "./stripe-fake.mjs";

/** Requests to the fake are small forms; anything larger is refused before it is read whole. */
const MAX_BODY = 1024 * 1024;

/** POSTs a signed event the way Stripe does (JSON body, `Stripe-Signature`). */
async function post(url, payload, header) {
  const r = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      "stripe-signature": header,
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    },
    body: payload,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: r.status, body: await r.text() };
}

/** node:http request → a fetch Request (the fake speaks fetch, so it also runs inside workerd). */
async function toRequest(req, origin) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error("request body too large");
    chunks.push(chunk);
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers))
    for (const value of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, value);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method,
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

/**
 * Starts the server on 127.0.0.1:`port` (0: any free port).
 * @param {import("./stripe-local.d.mts").StripeLocalOptions} [opts]
 * @returns {Promise<import("./stripe-local.d.mts").StripeLocal>}
 */
export async function startStripeLocal(opts = {}) {
  const target = opts.webhookUrl ?? (opts.echo ? `${opts.echo.replace(/\/$/, "")}/hooks/stripe` : undefined);
  if (target) assertLoopback(target, "the webhook URL");
  /** @type {import("./stripe-fake.d.mts").StripeFake | undefined} */
  let fake;
  let origin = "";
  const server = createServer(async (req, res) => {
    try {
      const r = await /** @type {import("./stripe-fake.d.mts").StripeFake} */ (fake).fetch(
        await toRequest(req, origin),
      );
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(Buffer.from(await r.arrayBuffer()));
    } catch (err) {
      opts.log?.(`error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "api_error", message: "the local Stripe server failed" } }));
    }
  });
  const listening = await listenLoopback(server, opts.port ?? 12111);
  origin = listening.origin;
  const webhookSecret = opts.webhookSecret ?? `whsec_${randomBytes(24).toString("hex")}`;
  fake = createStripeFake({
    base: origin,
    webhookSecret,
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
    ...(target ? { deliver: (payload, header) => post(target, payload, header) } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  return {
    origin,
    webhookSecret,
    fake,
    close: listening.close,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "12111" },
      echo: { type: "string" },
      "webhook-url": { type: "string" },
      "webhook-secret": { type: "string" },
      "api-key": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      "node scripts/stripe-local.mjs [--port 12111] [--echo http://127.0.0.1:8787] [--webhook-url URL] [--webhook-secret whsec_…] [--api-key sk_test_…]",
    );
    return;
  }
  const s = await startStripeLocal({
    port: Number(values.port),
    ...(values.echo ? { echo: assertLoopback(values.echo, "--echo").origin } : {}),
    ...(values["webhook-url"] ? { webhookUrl: values["webhook-url"] } : {}),
    ...(values["webhook-secret"] ? { webhookSecret: values["webhook-secret"] } : {}),
    ...(values["api-key"] ? { apiKey: values["api-key"] } : {}),
    log: (line) => console.log(`[stripe-local] ${line}`),
  });
  const key = values["api-key"] ?? "sk_test_local";
  console.log(`Local Stripe-compatible server at ${s.origin}
Webhooks: ${values["webhook-url"] ?? (values.echo ? `${values.echo.replace(/\/$/, "")}/hooks/stripe` : "not delivered (no --echo); listed at /_test/events")}
Run Echo against it:
  STRIPE_SECRET_KEY=${key} STRIPE_WEBHOOK_SECRET=${s.webhookSecret} STRIPE_API_BASE=${s.origin} ALLOW_PRIVATE_EGRESS=true npm start
Events:            curl ${s.origin}/_test/events
Replay one:        curl -X POST ${s.origin}/_test/events/<evt id>/resend   (?resign=true: redelivered as Stripe retries)
End the period:    curl -X POST ${s.origin}/_test/advance`);
  for (const sig of ["SIGINT", "SIGTERM"])
    process.on(sig, async () => {
      await s.close();
      process.exit(0);
    });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
