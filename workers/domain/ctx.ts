import type { Config } from "../env";
import type { Clock } from "../lib/clock";
import type { Log } from "../lib/log";
import type { Mailer } from "../providers/mail/port";
import type { Db } from "../storage/db";
import type { Role } from "../storage/schema";
import type { Permission } from "./auth/permissions";

/** The bindings verbs may use, typed structurally so a test fake is one line. */
export type Services = {
  files: R2Bucket;
  ingestQueue: Queue;
  conversationRooms: Env["CONVERSATION_ROOM"];
  tenantHubs: Env["TENANT_HUB"];
  ai?: Pick<Ai, "run">;
  vectors?: VectorizeIndex;
  /** Workers Rate Limiting bindings: `api` per key or operator, `login` per email, `voice` per voice integration. */
  rateLimits: { api: Pick<RateLimit, "limit">; login: Pick<RateLimit, "limit">; voice: Pick<RateLimit, "limit"> };
  /** Outbound mail: the `send_email` binding in production, the outbox table locally (issue 17). */
  mail: Mailer;
  /** Origin the Worker is reached at (for URLs we hand out: wsUrl, webhookUrl, upload URLs). */
  origin: string;
};

export type Actor =
  | { kind: "user"; userId: string; role: Role; permissions: ReadonlySet<Permission> }
  | { kind: "key"; keyId: string; permissions: ReadonlySet<Permission> };

/** Plain data built once per request; anonymous routes (signup, login, widget) get a BaseCtx. */
export type BaseCtx = {
  db: Db;
  config: Config;
  clock: Clock;
  log: Log;
  requestId: string;
  services: Services;
};

export type Ctx = BaseCtx & { tenantId: string; actor: Actor };

export function actorId(actor: Actor): string {
  return actor.kind === "user" ? actor.userId : actor.keyId;
}
