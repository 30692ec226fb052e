/** A plain-text RFC 822 message as a mail client sends it (CRLF lines), for the email channel's tests. */
export function rfc822(h: { from: string; to: string; subject: string; id: string; extra?: string[] }, body: string) {
  return [
    `From: ${h.from}`,
    `To: ${h.to}`,
    `Subject: ${h.subject}`,
    `Message-ID: ${h.id}`,
    "Date: Wed, 02 Dec 2026 10:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    ...(h.extra ?? []),
    "",
    body,
  ].join("\r\n");
}
