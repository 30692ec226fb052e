import { z } from "zod";

/**
 * The live conversation protocol v1 (DESIGN.md, documented in docs/protocol.md): JSON text frames
 * over one WebSocket per participant. Every inbound frame is parsed here with zod; nothing is cast.
 */
export const PROTOCOL_VERSION = 1;

/** Characters of message, note and comment text. */
export const MAX_TEXT = 4000;
/** Bytes of one inbound frame (UTF-8); larger frames are refused before parsing. */
export const MAX_FRAME_BYTES = 16 * 1024;
/** Client ids (`cid`) are opaque strings chosen by the client, e.g. a UUID. */
export const MAX_CID = 64;
/** Attachments one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 5;

/**
 * JSON data as it crosses RPC and the wire. Spelled out three levels deep rather than recursively:
 * workers-types' RPC inference gives up ("excessively deep") on a recursive type, and gives
 * `never` for `unknown`. Deeper data is still stored; it is just typed as this.
 */
type J0 = string | number | boolean | null;
type J1 = J0 | J0[] | { [key: string]: J0 | J0[] };
type J2 = J1 | J1[] | { [key: string]: J1 | J1[] };
export type JsonValue = J2 | J2[] | { [key: string]: J2 | J2[] };
export type JsonObject = { [key: string]: JsonValue };

export type Role = "visitor" | "ai" | "agent" | "system";
export type Mode = "ai" | "human" | "closed";
export type Status = "open" | "waiting" | "closed";
export type Channel = "chat" | "voice" | "email" | "whatsapp";
export type CallState = "ringing" | "in_progress" | "transferred" | "ended";

/** A knowledge source an AI answer cites (the answerer's contract, carried on `msg` frames). */
export type AnswerSource = {
  sourceId: string;
  title: string;
  /** Link to the original when the source has one (url sources, articles with a url), else null. */
  url: string | null;
  /** The passage the answer leaned on, at most ~300 characters. */
  snippet: string;
};

const Cid = z.string().min(1).max(MAX_CID);
const Text = z.string().max(MAX_TEXT, `text is over ${MAX_TEXT} characters`);

const Hello = z.object({ type: z.literal("hello"), lastSeq: z.number().int().min(0).default(0) }).strict();
const Msg = z
  .object({
    type: z.literal("msg"),
    cid: Cid,
    text: Text,
    attachments: z.array(z.string().min(1).max(64)).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
  })
  .strict()
  .refine((m) => m.text.trim().length > 0 || (m.attachments?.length ?? 0) > 0, { message: "text is empty" });
const Typing = z.object({ type: z.literal("typing") }).strict();
const Read = z.object({ type: z.literal("read"), seq: z.number().int().min(0) }).strict();
const Human = z.object({ type: z.literal("human") }).strict();
const Rate = z
  .object({ type: z.literal("rate"), score: z.number().int().min(1).max(5), comment: Text.optional() })
  .strict();
const Ping = z.object({ type: z.literal("ping") }).strict();
// operator-only frames
const Takeover = z.object({ type: z.literal("takeover") }).strict();
const Release = z.object({ type: z.literal("release") }).strict();
const Note = z
  .object({
    type: z.literal("note"),
    cid: Cid.optional(),
    text: Text.refine((t) => t.trim().length > 0, "text is empty"),
  })
  .strict();
const Close = z.object({ type: z.literal("close") }).strict();
/** In-band re-auth (operator room and inbox sockets): a fresh access token extends the socket's life. */
export const AuthFrame = z.object({ type: z.literal("auth"), token: z.string().min(1).max(4096) }).strict();

export const VisitorFrame = z.discriminatedUnion("type", [Hello, Msg, Typing, Read, Human, Rate, Ping]);
export type VisitorFrame = z.infer<typeof VisitorFrame>;
export const OperatorFrame = z.discriminatedUnion("type", [
  Hello,
  Msg,
  Typing,
  Read,
  Ping,
  Takeover,
  Release,
  Note,
  Close,
  AuthFrame,
]);
export type OperatorFrame = z.infer<typeof OperatorFrame>;
export type ClientFrame = VisitorFrame | OperatorFrame;

const VISITOR_TYPES = new Set(["hello", "msg", "typing", "read", "human", "rate", "ping"]);
const OPERATOR_TYPES = new Set([
  "hello",
  "msg",
  "typing",
  "read",
  "ping",
  "takeover",
  "release",
  "note",
  "close",
  "auth",
]);

/**
 * Error codes of `error` frames. The socket stays open after each of them, except TOKEN_EXPIRED
 * (the operator's access token expired with no re-auth) and UNAUTHORIZED (a refused re-auth) and
 * FORBIDDEN for revoked access, which close it with 4001.
 */
export type FrameErrorCode =
  | "FRAME_TOO_LARGE"
  | "INVALID_JSON"
  | "UNKNOWN_TYPE"
  | "INVALID_FRAME"
  | "TEXT_TOO_LONG"
  | "RATE_LIMITED"
  | "FORBIDDEN"
  | "CONVERSATION_CLOSED"
  | "UNKNOWN_ATTACHMENT"
  | "TOKEN_EXPIRED"
  | "UNAUTHORIZED"
  /** WhatsApp: the 24-hour customer-service window is closed; only a template may be sent. */
  | "WINDOW_CLOSED"
  | "INTERNAL";

/** A refusal names the refused frame's `cid` when it had one, so the sender stops resending it. */
export type ParseResult<F> =
  { ok: true; frame: F } | { ok: false; code: FrameErrorCode; message: string; cid?: string };

/** Parses one inbound frame for a participant; binary frames and everything malformed are refused. */
export function parseClientFrame(raw: string | ArrayBuffer, as: "visitor"): ParseResult<VisitorFrame>;
export function parseClientFrame(raw: string | ArrayBuffer, as: "operator"): ParseResult<OperatorFrame>;
export function parseClientFrame(raw: string | ArrayBuffer, as: "visitor" | "operator"): ParseResult<ClientFrame> {
  if (typeof raw !== "string") return { ok: false, code: "INVALID_FRAME", message: "frames are JSON text, not binary" };
  // a JS string of n UTF-16 units is at most 3n UTF-8 bytes, so only long strings need encoding
  const bytes = raw.length * 3 <= MAX_FRAME_BYTES ? raw.length : new TextEncoder().encode(raw).byteLength;
  if (bytes > MAX_FRAME_BYTES)
    return { ok: false, code: "FRAME_TOO_LARGE", message: `frame is over ${MAX_FRAME_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: "INVALID_JSON", message: "frame is not JSON" };
  }
  const type =
    typeof json === "object" && json !== null && "type" in json ? (json as { type: unknown }).type : undefined;
  const known = as === "visitor" ? VISITOR_TYPES : OPERATOR_TYPES;
  if (typeof type !== "string" || !known.has(type)) {
    const forbidden = typeof type === "string" && as === "visitor" && OPERATOR_TYPES.has(type);
    return forbidden
      ? { ok: false, code: "FORBIDDEN", message: `${type} is for operators` }
      : { ok: false, code: "UNKNOWN_TYPE", message: `unknown frame type ${JSON.stringify(type ?? null).slice(0, 40)}` };
  }
  const parsed = (as === "visitor" ? VisitorFrame : OperatorFrame).safeParse(json);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const tooLong = parsed.error.issues.some((i) => i.code === "too_big" && i.path[0] === "text");
  const first = parsed.error.issues[0];
  const c = (json as { cid?: unknown }).cid;
  const cid = typeof c === "string" && c.length <= 64 ? { cid: c } : {};
  return tooLong
    ? { ok: false, code: "TEXT_TOO_LONG", message: `text is over ${MAX_TEXT} characters`, ...cid }
    : {
        ok: false,
        code: "INVALID_FRAME",
        message: first ? `${first.path.join(".") || "frame"}: ${first.message}` : "invalid frame",
        ...cid,
      };
}

/** An uploaded file as a message carries it; download it from the attachment routes. */
export type AttachmentRef = { id: string; name: string; type: string; size: number };

/** A stored message as frames and RPC return it. `at` is an ISO 8601 time. */
export type MsgFrame = {
  type: "msg";
  seq: number;
  id: string;
  cid?: string;
  role: Role;
  text: string;
  at: string;
  sources?: AnswerSource[];
  attachments?: AttachmentRef[];
  /** Display name of the agent, on agent messages only. */
  name?: string;
};

export type Operator = { userId: string; name: string };

/**
 * The avatar's moods (issue 19): the room sends a `mood` frame to the visitor with each AI turn when
 * the bot enables the avatar — `thinking` while the turn runs, then one from the answer's outcome.
 */
export const MOODS = ["neutral", "happy", "thinking", "concerned", "apologetic", "handing-over"] as const;
export type Mood = (typeof MOODS)[number];

/** Frames both visitors and operators receive. */
export type ServerFrame =
  | { type: "ready"; conversationId: string; seq: number; mode: Mode }
  | MsgFrame
  | { type: "delta"; id: string; text: string }
  | { type: "typing"; role: Role }
  /** `agents` (hand-offs only): whether someone who may take the conversation is online. */
  | { type: "mode"; mode: Mode; reason: string; agents?: boolean }
  /** `cid`: the refused `msg`/`note` it answers, when that frame carried one. */
  | { type: "error"; code: FrameErrorCode; message: string; cid?: string }
  | { type: "pong" }
  /** Visitors only, and only when the bot enables the avatar: the avatar's mood for this AI turn. */
  | { type: "mood"; mood: Mood };

/** Extra frames only operators receive (and extra fields on their `ready` and `mode`). */
export type OperatorServerFrame =
  | ServerFrame
  | { type: "note"; id: string; seq: number; cid?: string; text: string; at: string; author: Operator }
  | { type: "presence"; operators: Operator[]; visitor: boolean }
  | { type: "read"; role: "visitor"; seq: number }
  | { type: "rate"; score: number; comment?: string }
  | { type: "call"; state: CallState; data?: JsonObject; at: string }
  /** A re-auth (`auth` frame) was accepted: the socket now lives until `exp` (seconds since the epoch). */
  | { type: "authed"; exp: number };
