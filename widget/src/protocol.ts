/**
 * The client's view of the live conversation protocol v1: the server's own contract
 * (workers/contracts), imported as types only so nothing of it reaches the bundle. Frames from the
 * server are still checked field by field where they are used (model.ts), since the socket is a
 * trust boundary.
 */
import type { WidgetSession } from "../../workers/contracts/dto";
import type {
  AnswerSource,
  AttachmentRef,
  Mode,
  Mood,
  MsgFrame,
  Role,
  ServerFrame,
  VisitorFrame,
} from "../../workers/contracts/protocol";

export type { Mode, Mood, MsgFrame, Role, ServerFrame };
export type Source = AnswerSource;
/** An uploaded file as a message carries it (the upload endpoint answers the same shape); `url` is added locally. */
export type Attachment = AttachmentRef & { url?: string };
/** Frames the widget sends: the visitor's frames. */
export type ClientFrame = VisitorFrame;

/**
 * The widget's reading of the bot settings the session endpoint returns: on the wire `theme` and
 * `settings` are open records (the bot DTO's JSON columns); these are the keys the widget uses.
 */
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
  settings?: { language?: string };
  /** On: the avatar chunk loads after the widget is interactive (issue 19). */
  avatar?: { enabled?: boolean; model?: string | null };
  /** The "Powered by Echo" mark's link; null on white-label plans (no mark). */
  poweredBy?: string | null;
};

/** POST /api/widget/sessions (workers/routes/widget-sessions.ts), with `bot` as the widget reads it. */
export type SessionReply = Omit<WidgetSession, "bot"> & { bot: BotInfo };
