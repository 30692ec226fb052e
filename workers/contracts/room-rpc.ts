import { z } from "zod";
import {
  MAX_ATTACHMENTS_PER_MESSAGE,
  MAX_TEXT,
  type AttachmentRef,
  type CallState,
  type Channel,
  type JsonObject,
  type Mode,
  type MsgFrame,
  type Operator,
  type Status,
} from "./protocol";

/**
 * The conversation room's RPC contract: what Worker code (and the stub-backed port in
 * workers/rooms/room-port.ts) may call on a room, the input schemas the room re-parses (RPC
 * arguments are a trust boundary too) and the header carrying the authenticated principal on a
 * forwarded WebSocket upgrade.
 */

/** Set by the Worker on the upgrade it forwards to a room or hub; never copied from the client. */
export const PRINCIPAL_HEADER = "x-echo-principal";

export const RoomPrincipal = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("visitor"), tenantId: z.string(), conversationId: z.string() }),
  z.object({
    kind: z.literal("operator"),
    tenantId: z.string(),
    conversationId: z.string(),
    userId: z.string(),
    name: z.string(),
    canWrite: z.boolean(),
    /**
     * Which acting frames the principal's role allows (replies:write, notes:write, takeover:write —
     * takeover, release and close); absent: all of them when `canWrite`.
     */
    acts: z.object({ reply: z.boolean(), note: z.boolean(), takeover: z.boolean() }).strict().optional(),
    /** The access token's expiry (seconds since the epoch); absent for API keys, whose sockets do not expire. */
    exp: z.number().int().optional(),
  }),
  /** Retell's custom-LLM socket of a call (protocols.md §3.1): its own frames, never the visitor/operator protocol. */
  z.object({
    kind: z.literal("retell"),
    tenantId: z.string(),
    conversationId: z.string(),
    integrationId: z.string().max(64),
    callId: z.string().max(64),
  }),
]);
export type RoomPrincipal = z.infer<typeof RoomPrincipal>;

export const Visitor = z
  .object({
    name: z.string().max(200).optional(),
    email: z.string().max(254).optional(),
    phone: z.string().max(40).optional(),
    locale: z.string().max(35).optional(),
    userId: z.string().max(200).optional(),
    verified: z.boolean().optional(),
    metadata: z.record(z.string().max(64), z.string().max(500)).optional(),
  })
  .strict();

export const RoomInitInput = z.object({
  tenantId: z.string().min(1).max(64),
  conversationId: z.string().min(1).max(64),
  botId: z.string().min(1).max(64),
  channel: z.enum(["chat", "voice", "email", "whatsapp"]),
  visitor: Visitor.optional(),
  /** SHA-256 of the widget's visitor token (resume proof); chat sessions only. */
  visitorKeyHash: z.string().max(64).optional(),
  /** The bot enables the widget avatar: the room sends `mood` frames with each AI turn (issue 19). */
  avatar: z.boolean().optional(),
});
/** `updateVisitor(tenantId, patch)`: details learned later (widget identify, email capture). */
export type VisitorPatch = z.input<typeof Visitor>;
/** `init(meta)`: creates the conversation; calling it again is a no-op that returns the snapshot. */
export type RoomInit = z.input<typeof RoomInitInput>;

const Source = z.object({ sourceId: z.string(), title: z.string(), url: z.string().nullable(), snippet: z.string() });
export const AppendInput = z.object({
  role: z.enum(["visitor", "ai", "agent", "system"]),
  text: z
    .string()
    .min(1)
    .max(MAX_TEXT * 4),
  cid: z.string().min(1).max(64).optional(),
  sources: z.array(Source).max(20).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  /** Email and WhatsApp: answer a visitor's message like a chat message (room-core `append`). */
  respond: z.boolean().optional(),
  /** An agent message sent outside the sockets (a WhatsApp template): the person who sent it. */
  author: z
    .object({ userId: z.string().min(1).max(64), name: z.string().max(200) })
    .strict()
    .optional(),
  /** Files the channel adapter already stored in R2 under the conversation's prefix. */
  attachments: z
    .array(
      z.object({
        id: z.string().startsWith("att_").max(64),
        name: z.string().min(1).max(200),
        type: z.string().min(1).max(127),
        size: z.number().int().min(0),
      }),
    )
    .max(MAX_ATTACHMENTS_PER_MESSAGE)
    .optional(),
});
/** `appendMessage(input)`: a `cid` makes it idempotent (per role). */
export type AppendMessageInput = z.input<typeof AppendInput>;

/** A stored message as RPC returns it: the `msg` frame without `type`, plus `meta` and `author`. */
export type StoredMessage = Omit<MsgFrame, "type"> & { meta?: JsonObject; author?: Operator };

/** Set once by `init`; never changes afterwards. */
export type RoomMeta = {
  tenantId: string;
  conversationId: string;
  botId: string;
  channel: Channel;
  visitor: z.output<typeof Visitor>;
  createdAt: number;
};

export type RoomSnapshot = {
  meta: RoomMeta;
  mode: Mode;
  status: Status;
  assignee: Operator | null;
  reason: string | null;
  lastSeq: number;
  call: { state: CallState; data?: JsonObject; at: number } | null;
  visitorReadSeq: number;
  rating: { score: number; comment?: string; at: number } | null;
  closedAt: number | null;
};

/**
 * The room of one conversation as domain code sees it (`ctx.rooms.conversation(tenantId, id)`).
 * Implemented over the Durable Object's RPC stub in workers/rooms/room-port.ts; a compile-time
 * check there keeps the class and this contract in step.
 */
/** The room's one triage of a caller utterance. */
export type CallTriageOutcome = { frustration: number; escalate: { reason: string; detail: string } | null };

export interface ConversationRoomPort {
  /** Creates the conversation; calling it again is a no-op that returns the snapshot. */
  init(input: RoomInit): Promise<RoomSnapshot>;
  updateVisitor(tenantId: string, patch: VisitorPatch): Promise<RoomSnapshot>;
  /** A `cid` makes it idempotent (per role). */
  appendMessage(input: AppendMessageInput): Promise<StoredMessage>;
  setMode(mode: Mode, reason: string): Promise<RoomSnapshot>;
  setCallState(state: CallState, data?: Record<string, unknown>): Promise<RoomSnapshot>;
  snapshot(): Promise<RoomSnapshot>;
  messages(afterSeq?: number, limit?: number): Promise<StoredMessage[]>;
  addAttachment(tenantId: string, a: AttachmentRef): Promise<void>;
  /** Triage of a caller's words before they are stored (one triage per utterance; the transcript reuses it). */
  triageWords(text: string): Promise<CallTriageOutcome | undefined>;
  /** Privacy erasure: closes the sockets, cancels the alarm and deletes the room's storage. */
  erase(tenantId: string): Promise<{ messages: number }>;
  /** Hands an authenticated WebSocket upgrade to the room; the principal is never read from the client. */
  connect(request: Request, principal: RoomPrincipal): Promise<Response>;
}
