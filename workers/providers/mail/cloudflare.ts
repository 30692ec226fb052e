import { Unavailable } from "../../lib/errors";
import type { Mailer } from "./port";

/** The part of Cloudflare's `send_email` binding we use (Email Service `send()` builder form). */
export type SendEmailBinding = {
  send(message: {
    from: string | { email: string; name: string };
    to: string;
    subject: string;
    text: string;
    html: string;
    headers?: Record<string, string>;
    replyTo?: string;
  }): Promise<{ messageId: string }>;
};

/**
 * Production mail through the `send_email` binding
 * (https://developers.cloudflare.com/email-service/api/send-emails/workers-api/). Mail bodies carry
 * one-time tokens, so production does not copy them into D1: the outbox table is the local sink only.
 */
export function cloudflareMailer(binding: SendEmailBinding, from: { email: string; name: string }): Mailer {
  return {
    kind: "cloudflare",
    async send(mail) {
      try {
        const headers = Object.keys(mail.headers).length ? mail.headers : undefined;
        const r = await binding.send({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          headers,
          ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
        });
        return { messageId: r.messageId };
      } catch (err) {
        throw new Unavailable("the mail service refused the message; try again later", err);
      }
    },
  };
}
