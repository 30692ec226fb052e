import type { Config } from "../contracts/config";
import type { HubPort } from "../contracts/hub";
import type { KnowledgeIndexPort } from "../contracts/knowledge-index";
import type { AssetsPort, Clock, FilesPort, Log, QueuePort, RateLimitsPort, RoomsPort } from "../contracts/ports";
import type { ProvidersPort } from "../contracts/providers";
import type { PaymentsPort } from "../contracts/payments";
import type { Mailer } from "../providers/mail/port";
import type { Repos } from "../storage/repos";
import type { MemberRole } from "../storage/schema";
import type { Permission } from "./auth/permissions";

/**
 * Small outside effects verbs may use, as ports (contracts/ports.ts), typed structurally so a test
 * fake is one line. Rooms, the hub and the model providers are ports on ctx itself.
 */
export type Services = {
  files: FilesPort;
  ingestQueue: QueuePort;
  rateLimits: RateLimitsPort;
  /** Static assets (the dashboard shell). */
  assets: AssetsPort;
  /** Outbound mail: the `send_email` binding in production, the outbox table locally (issue 17). */
  mail: Mailer;
  /** Stripe (issue 15), or null when it is not configured: billing runs embedded. */
  payments: PaymentsPort | null;
  /** Origin the Worker is reached at (for URLs we hand out: wsUrl, webhookUrl, upload URLs). */
  origin: string;
};

export type Actor =
  | { kind: "user"; userId: string; role: MemberRole; permissions: ReadonlySet<Permission> }
  | { kind: "key"; keyId: string; permissions: ReadonlySet<Permission> };

/**
 * Plain data built once per request, room or queue batch by the composition root (compose.ts);
 * anonymous routes (signup, login, widget) get a BaseCtx.
 *
 * Every outside effect is a port: D1 is reached only through `repos` (storage/repos.ts), one
 * repository per entity (`ctx.repos.conversations.get(tenantId, id)`) plus `repos.batch([...])` for a
 * multi-statement write; no verb sees the Drizzle handle.
 */
export type BaseCtx = {
  /** The repositories of storage/ over this context's D1 (the room's is the counting wrapper in tests). */
  repos: Repos;
  config: Config;
  clock: Clock;
  log: Log;
  requestId: string;
  services: Services;
  /** Conversation rooms (stub-backed in rooms/room-port.ts). */
  rooms: RoomsPort;
  /** The tenant inbox hub (stub-backed in rooms/room-port.ts). */
  hub: HubPort;
  /** The tenant's retrieval index (a per-tenant Durable Object by default; contracts/knowledge-index.ts). */
  knowledge: KnowledgeIndexPort;
  /** Answer model, retrieval and classifiers, chosen once per tenant (providers/index.ts). */
  providers: ProvidersPort;
};

export type Ctx = BaseCtx & { tenantId: string; actor: Actor };

export function actorId(actor: Actor): string {
  return actor.kind === "user" ? actor.userId : actor.keyId;
}
