import type { HubPort } from "./hub";
import type { ProvidersPort } from "./providers";
import type { ConversationRoomPort } from "./room-rpc";

/**
 * The ports domain verbs reach the outside through (`ctx.rooms`, `ctx.hub`, `ctx.providers`,
 * `ctx.files`, `ctx.queue`, `ctx.clock`, `ctx.log`): plain interfaces over plain data, never a
 * binding or a Durable Object stub. The composition root (workers/compose.ts) builds them; tests
 * may pass one-line fakes.
 */

/** Time source passed through ctx so tests can fix it. */
export type Clock = { now(): number };

/** Structured JSON logs, one object per line; workers observability indexes the fields. */
export type Log = {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
};

/** The conversation rooms (one Durable Object per conversation, named `${tenantId}:${conversationId}`). */
export interface RoomsPort {
  conversation(tenantId: string, conversationId: string): ConversationRoomPort;
}

/** The blob store (R2) as verbs use it: typed structurally so a fake is a small object. */
export type FilesPort = Pick<R2Bucket, "put" | "get" | "head" | "delete" | "list">;

/** A queue producer (the ingest queue): one JSON message per `send`. */
export type QueuePort = { send(body: unknown): Promise<unknown> };

/** The static assets (dist/public) the dashboard shell is read from. */
export type AssetsPort = { fetch(url: URL | string): Promise<Response> };

/** Workers Rate Limiting bindings as ports: `api` per key or operator, `login` per email. */
/** Workers Rate Limiting: `api` per key or operator, `login` per email, `voice` per voice integration. */
export type RateLimitsPort = {
  api: Pick<RateLimit, "limit">;
  login: Pick<RateLimit, "limit">;
  voice: Pick<RateLimit, "limit">;
};

export type { ConversationRoomPort, HubPort, ProvidersPort };
