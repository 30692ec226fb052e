import type { ConversationChannel, MessageRole } from "../../storage/schema";
import {
  MAX_EXTERNAL_ID,
  MAX_IMPORT_TEXT,
  MAX_MESSAGES_PER_CONVERSATION,
  OPTIONAL_COLUMNS,
  REQUIRED_COLUMNS,
  type ImportRowError,
} from "./schemas";

/** One valid CSV row: a message of a past conversation. */
export type ImportedMessage = {
  row: number;
  at: number;
  role: MessageRole;
  text: string;
  authorName: string | null;
};
export type ImportedConversation = {
  externalId: string;
  channel: ConversationChannel;
  visitorName: string | null;
  visitorEmail: string | null;
  messages: ImportedMessage[];
};

const ROLES: Record<string, MessageRole> = {
  visitor: "visitor",
  customer: "visitor",
  user: "visitor",
  agent: "agent",
  operator: "agent",
  staff: "agent",
  ai: "ai",
  bot: "ai",
  assistant: "ai",
  system: "system",
};
const CHANNELS = new Set<string>(["chat", "email", "voice", "whatsapp"]);
const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_NAME = 200;
/** Messages may not claim to come from before this or from more than a day ahead. */
const EARLIEST = Date.UTC(1995, 0, 1);
const DAY_MS = 86_400_000;

/** The timestamp of `value` (ISO 8601; no zone = UTC), or undefined. */
export function parseTimestamp(value: string): number | undefined {
  const v = value.trim();
  if (!ISO.test(v)) return undefined;
  const normalized = v.replace(" ", "T");
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(normalized) ? normalized : `${normalized}Z`;
  const ms = Date.parse(zoned.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isFinite(ms) ? ms : undefined;
}

export type HeaderMap = { index: Record<string, number>; ignored: string[] };

/** Column positions by name (trimmed, lower-cased); missing required or repeated columns are refused. */
export function readHeader(
  header: string[],
  required: readonly string[] = REQUIRED_COLUMNS,
  optional: readonly string[] = OPTIONAL_COLUMNS,
): HeaderMap | { problems: string[] } {
  const names = header.map((h) => h.trim().toLowerCase());
  const problems: string[] = [];
  const index: Record<string, number> = {};
  names.forEach((n, i) => {
    if (n in index) problems.push(`column "${n}" appears twice`);
    index[n] = i;
  });
  for (const c of required) if (!(c in index)) problems.push(`required column "${c}" is missing`);
  if (problems.length) return { problems };
  const known = new Set<string>([...required, ...optional]);
  return { index, ignored: names.filter((n) => n && !known.has(n)) };
}

/**
 * Validates every data row (CSV row numbers: the header is row 1) and groups the valid ones into
 * conversations. Every refused row is reported; a conversation with a refused row is `refused`.
 */
export function readRows(records: string[][], header: HeaderMap, now: number) {
  const errors: ImportRowError[] = [];
  const conversations = new Map<string, ImportedConversation>();
  const refused = new Set<string>();
  let refusedRows = 0;
  const width = records[0]!.length;
  for (let r = 1; r < records.length; r++) {
    const row = r + 1;
    const fields = records[r]!;
    const get = (c: string) => {
      const i = header.index[c];
      return i === undefined ? "" : (fields[i] ?? "").trim();
    };
    const rowErrors: ImportRowError[] = [];
    const fail = (column: string | null, message: string) => rowErrors.push({ row, column, message });
    if (fields.length !== width) fail(null, `has ${fields.length} fields, the header has ${width}`);
    const externalId = get("conversation_id");
    if (!externalId) fail("conversation_id", "is empty");
    else if (externalId.length > MAX_EXTERNAL_ID) fail("conversation_id", `is over ${MAX_EXTERNAL_ID} characters`);
    const at = parseTimestamp(get("created_at"));
    if (at === undefined) fail("created_at", "is not an ISO 8601 date and time");
    else if (at < EARLIEST || at > now + DAY_MS) fail("created_at", "is out of range");
    const role = ROLES[get("role").toLowerCase()];
    if (!role) fail("role", "must be visitor, agent, ai or system");
    const text = fields[header.index.text!] ?? "";
    if (!text.trim()) fail("text", "is empty");
    else if (text.length > MAX_IMPORT_TEXT) fail("text", `is over ${MAX_IMPORT_TEXT} characters`);
    const channel = (get("channel") || "chat").toLowerCase();
    if (!CHANNELS.has(channel)) fail("channel", "must be chat, email, voice or whatsapp");
    const email = get("visitor_email");
    if (email && (!EMAIL.test(email) || email.length > 320)) fail("visitor_email", "is not an email address");
    for (const c of ["visitor_name", "author_name"])
      if (get(c).length > MAX_NAME) fail(c, `is over ${MAX_NAME} characters`);
    const conv = externalId && externalId.length <= MAX_EXTERNAL_ID ? conversations.get(externalId) : undefined;
    if (conv && !rowErrors.length) {
      if (conv.channel !== channel) fail("channel", `differs from the conversation's earlier rows (${conv.channel})`);
      if (conv.messages.length >= MAX_MESSAGES_PER_CONVERSATION)
        fail(null, `the conversation has more than ${MAX_MESSAGES_PER_CONVERSATION} messages`);
    }
    if (rowErrors.length) {
      errors.push(...rowErrors);
      refusedRows++;
      if (externalId) refused.add(externalId);
      continue;
    }
    const c = conv ?? {
      externalId,
      channel: channel as ConversationChannel,
      visitorName: null,
      visitorEmail: null,
      messages: [],
    };
    c.visitorName ??= get("visitor_name") || null;
    c.visitorEmail ??= email.toLowerCase() || null;
    c.messages.push({ row, at: at!, role: role!, text, authorName: get("author_name") || null });
    conversations.set(externalId, c);
  }
  for (const id of refused) conversations.delete(id);
  return { errors, refusedRows, conversations: [...conversations.values()], refused: refused.size };
}
