/**
 * The client's view of the live conversation protocol v1 (DESIGN.md). Types only: nothing here
 * reaches the bundle. Frames from the server are still checked field by field where they are used
 * (model.ts), since the socket is a trust boundary.
 */
export type Role = "visitor" | "ai" | "agent" | "system";
export type Mode = "ai" | "human" | "closed";

export type Source = { sourceId: string; title: string; url: string | null; snippet: string };

/** An uploaded file as a message carries it. */
export type Attachment = { id: string; name: string; type: string; size?: number; url?: string };

/** Bot settings the session endpoint returns (a subset of the bot DTO, safe for visitors). */
export type BotInfo = {
  name: string;
  greeting?: string;
  theme?: {
    primaryColor?: string;
    textColor?: string;
    position?: "bottom-right" | "bottom-left";
    logoUrl?: string | null;
    mode?: "auto" | "light" | "dark";
  };
  language?: string;
  settings?: { language?: string };
};

export type SessionReply = {
  token: string;
  conversationId: string;
  wsUrl: string;
  bot: BotInfo;
  /** Proof of ownership of the conversation, sent back on resume (if the server issues one). */
  visitorToken?: string;
};

export type ClientFrame =
  | { type: "hello"; lastSeq: number }
  | { type: "msg"; cid: string; text: string; attachments?: string[] }
  | { type: "typing" }
  | { type: "read"; seq: number }
  | { type: "human" }
  | { type: "rate"; score: number; comment?: string }
  | { type: "ping" };

export type MsgFrame = {
  type: "msg";
  seq: number;
  id: string;
  cid?: string;
  role: Role;
  text: string;
  at: string | number;
  sources?: Source[];
  attachments?: Attachment[];
};

export type ServerFrame =
  | { type: "ready"; conversationId: string; seq: number; mode: Mode }
  | MsgFrame
  | { type: "delta"; id: string; text: string }
  | { type: "typing"; role: Role }
  | { type: "mode"; mode: Mode; reason?: string; agents?: boolean }
  | { type: "error"; code: string; message: string; cid?: string }
  | { type: "pong" };
