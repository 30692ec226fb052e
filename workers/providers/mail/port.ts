/** One outgoing mail, already rendered: plain text plus simple HTML (issue 17, "Outbound mail port"). */
export type OutgoingMail = {
  /** The workspace the mail belongs to; null before one exists (signup verification). */
  tenantId: string | null;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers (e.g. `In-Reply-To`); never credentials. */
  headers: Record<string, string>;
  /** Where replies go (the email channel: the workspace's inbound address). */
  replyTo?: string;
};

/**
 * The outbound mail port. Production sends through Cloudflare's `send_email` binding; locally and in
 * tests the outbox table is the mail server (Settings → Outbox, `GET /api/outbox`).
 */
export interface Mailer {
  /** Which adapter this is, for logs and the Outbox screen's explanation. */
  readonly kind: "outbox" | "cloudflare";
  /** Sends (or records) one mail; resolves with the Message-ID to thread replies on. */
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}
