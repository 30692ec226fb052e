import PostalMime from "postal-mime";

/**
 * Reading one inbound mail: parse (postal-mime), decide whether a person wrote it, strip the quoted
 * history, collect the ids it threads on. Pure apart from the parser; no storage.
 */

/** Mail above this size is refused at SMTP time (Email Routing itself stops at 25 MiB). */
export const MAX_EMAIL_BYTES = 10 * 1024 * 1024;
/** Text stored per mail after quote stripping (the room's AppendInput bound). */
export const MAX_EMAIL_TEXT = 16_000;
/** Mails accepted per sender and workspace per hour; more are dropped (each one costs an AI answer and a mail). */
export const MAX_MAILS_PER_SENDER_HOUR = 20;
/** Attachments kept per mail (each goes to R2). */
export const MAX_EMAIL_ATTACHMENTS = 10;

export type InboundMail = {
  messageId: string;
  /** The sender's address, lower case. */
  from: string;
  fromName: string | undefined;
  subject: string;
  /** In-Reply-To first, then References newest first: the ids to thread on. */
  threadIds: string[];
  /** The new text, quoted history removed. */
  text: string;
  attachments: { filename: string; mimeType: string; content: Uint8Array }[];
};

type Header = { key: string; value: string };

/**
 * Why a mail must not be answered, or null when a person wrote it: RFC 3834 `Auto-Submitted`,
 * `Precedence: bulk|list|junk|auto_reply`, mailing lists (`List-Id`, `List-Unsubscribe`), common
 * vacation-responder headers, bounces (null envelope sender, mailer-daemon, postmaster) and our own
 * mail coming back (a sender at the inbound domain: a loop).
 */
export function automatedReason(headers: Header[], envelopeFrom: string, inboundDomain: string): string | null {
  const h = (k: string) =>
    headers
      .find((x) => x.key === k)
      ?.value.trim()
      .toLowerCase();
  const auto = h("auto-submitted");
  if (auto && auto !== "no") return `auto-submitted: ${auto}`;
  const precedence = h("precedence");
  if (precedence && ["bulk", "list", "junk", "auto_reply"].includes(precedence)) return `precedence: ${precedence}`;
  if (h("list-id") !== undefined || h("list-unsubscribe") !== undefined) return "mailing list";
  if (h("x-autoreply") !== undefined || h("x-autorespond") !== undefined) return "auto-reply";
  if (h("x-auto-response-suppress")?.includes("all")) return "auto-response suppressed";
  const sender = envelopeFrom.trim().replace(/^<|>$/g, "").toLowerCase();
  if (!sender) return "null sender (bounce)";
  const local = sender.split("@")[0] ?? "";
  if (["mailer-daemon", "postmaster"].includes(local)) return "bounce";
  if (sender.endsWith(`@${inboundDomain.toLowerCase()}`)) return "loop: sent from the inbound domain";
  return null;
}

/** Message ids in a header value (`<a@b> <c@d>`), in order. */
export function messageIdsIn(value: string | undefined): string[] {
  return value?.match(/<[^<>\s]+>/g) ?? [];
}

/**
 * The new part of a reply: drops everything from the first attribution line ("On … wrote:",
 * "-----Original Message-----", an Outlook "From:" block) and trailing `>` quotes and signature.
 */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1] ?? "";
    if (/^\s*-{2,}\s*(original message|forwarded message)/i.test(line)) break;
    if (/^On\b.*\bwrote:\s*$/i.test(line) || (/^On\b/i.test(line) && /\bwrote:\s*$/i.test(next))) break;
    if (/^From:\s/i.test(line) && /^(Sent|Date):\s/i.test(next)) break;
    if (line === "-- ") break;
    if (/^\s*>/.test(line)) continue;
    out.push(line);
  }
  return out.join("\n").trim();
}

/** Plain text of an HTML-only mail: tags removed, block ends as line breaks, entities of the usual five. */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>|<\/(p|div|li|tr|h\d)>/gi, "\n")
    .replace(/<blockquote[\s\S]*?<\/blockquote>/gi, "")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\n{3,}/g, "\n\n");
}

/** Parses a raw RFC 822 message; `null` when it has no usable sender. */
export async function readInboundMail(raw: Uint8Array): Promise<(InboundMail & { headers: Header[] }) | null> {
  const email = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" });
  const from = email.from && "address" in email.from ? email.from : undefined;
  const address = from?.address?.trim().toLowerCase();
  if (!address || !address.includes("@")) return null;
  const body = email.text ?? (email.html ? htmlToText(email.html) : "");
  const references = messageIdsIn(email.references).reverse();
  const threadIds = [...new Set([...messageIdsIn(email.inReplyTo), ...references])];
  return {
    headers: email.headers,
    messageId: messageIdsIn(email.messageId)[0] ?? "",
    from: address,
    fromName: from?.name || undefined,
    subject: (email.subject ?? "").trim().slice(0, 300),
    threadIds,
    text: stripQuoted(body).slice(0, MAX_EMAIL_TEXT),
    attachments: email.attachments
      .filter((a) => a.disposition !== "inline" || !a.contentId)
      .slice(0, MAX_EMAIL_ATTACHMENTS)
      .map((a) => ({
        filename: (a.filename ?? "attachment").replace(/[^\w.\- ]/g, "_").slice(0, 120),
        mimeType: a.mimeType,
        content:
          typeof a.content === "string"
            ? new TextEncoder().encode(a.content)
            : a.content instanceof ArrayBuffer
              ? new Uint8Array(a.content)
              : new Uint8Array(a.content.buffer, a.content.byteOffset, a.content.byteLength),
      })),
  };
}

/** "Re: <subject>" once, however many times the subject was already replied to. */
export function replySubject(subject: string): string {
  const base = subject.replace(/^\s*((re|aw|sv|fw|fwd)\s*:\s*)+/i, "").trim();
  return `Re: ${base || "your message"}`;
}
