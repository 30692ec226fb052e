import { newId } from "../../lib/ids";
import type { Repos } from "../../storage/repos";
import type { Mailer, OutgoingMail } from "./port";

/**
 * The local mail server: a row in `outbox` per mail. Used by `npm start` and every test; nothing
 * leaves the machine. The Message-ID is generated here the way a real MTA would.
 */
export function outboxMailer(repos: Pick<Repos, "outbox">, opts: { domain: string; now: () => number }): Mailer {
  return {
    kind: "outbox",
    async send(mail) {
      const id = newId("mail", opts.now());
      const messageId = `<${id}@${opts.domain}>`;
      await repos.outbox.insertStmt({ id, ...mailRow(mail), messageId, sentAt: new Date(opts.now()) }).run();
      return { messageId };
    },
  };
}

/** The outbox keeps headers as sent; Reply-To is one of them (the table has no column for it). */
function mailRow({ replyTo, ...mail }: OutgoingMail) {
  return replyTo ? { ...mail, headers: { ...mail.headers, "Reply-To": replyTo } } : mail;
}
