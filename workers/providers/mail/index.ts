import type { Repos } from "../../storage/repos";
import { cloudflareMailer, type SendEmailBinding } from "./cloudflare";
import { outboxMailer } from "./outbox";
import type { Mailer } from "./port";

/**
 * Chooses the mail adapter: the `send_email` binding named `EMAIL` when it is declared (production
 * only; it is never declared in the local wrangler.toml), else the local outbox. `MAIL_FROM` (a
 * plain address, default `no-reply@<host>`) is the sender the binding is allowed to use.
 */
export function chooseMailer(
  env: object,
  repos: Pick<Repos, "outbox">,
  opts: { origin: string; now: () => number },
): Mailer {
  const e = env as { EMAIL?: SendEmailBinding; MAIL_FROM?: string };
  const host = URL.canParse(opts.origin) ? new URL(opts.origin).hostname : "echo.local";
  if (e.EMAIL && typeof e.EMAIL.send === "function")
    return cloudflareMailer(e.EMAIL, { email: e.MAIL_FROM ?? `no-reply@${host}`, name: "Echo" });
  return outboxMailer(repos, { domain: host || "echo.local", now: opts.now });
}
