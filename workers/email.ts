import { emailCtx } from "./compose";
import { receiveEmail } from "./domain/channels/email/receive";
import { MAX_EMAIL_BYTES } from "./domain/channels/email/message";

/**
 * The Worker's email() handler (Email Routing: one catch-all rule for the inbound domain sends every
 * address here; locally wrangler's `POST /cdn-cgi/handler/email?from=&to=`). `raw` is single-use:
 * it is buffered once; oversized mail is refused before reading it. A refused recipient or size is
 * a permanent SMTP rejection (`setReject`); auto-replies, bounces and lists are dropped quietly.
 */
export async function handleEmail(message: ForwardableEmailMessage, env: Env) {
  const ctx = emailCtx(env);
  if (message.rawSize > MAX_EMAIL_BYTES) {
    ctx.log.info("email: refused", { reason: "too large", size: message.rawSize });
    return message.setReject(`message too large (limit ${MAX_EMAIL_BYTES / 1024 / 1024} MiB)`);
  }
  const raw = new Uint8Array(await new Response(message.raw).arrayBuffer());
  const r = await receiveEmail(ctx, { from: message.from, to: message.to, raw });
  if (r.outcome === "rejected") {
    ctx.log.info("email: refused", { reason: r.reason });
    message.setReject(r.reason);
  }
}
