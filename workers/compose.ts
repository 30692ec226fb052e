import type { AnswerCtx } from "./domain/knowledge/answer-types";
import type { BaseCtx } from "./domain/ctx";
import { loadBotAnswerChain } from "./domain/bots/answer-providers";
import { loadOpenAiSettings } from "./domain/knowledge/provider-settings";
import { readConfig } from "./env";
import { systemClock } from "./lib/clock";
import { newId } from "./lib/ids";
import { createLog, type Log } from "./lib/log";
import { masterKeysOf } from "./domain/secrets/crypto";
import { providersFor } from "./providers";
import { roomD1 } from "./rooms/room-db";
import { hubPortOf, roomsPortOf } from "./rooms/room-port";
import { knowledgeIndexPortOf } from "./rooms/knowledge-index";
import { d1KnowledgeIndex } from "./domain/knowledge/index-d1";
import { chooseMailer } from "./providers/mail";
import { paymentsFor } from "./providers/payments";
import { createDb } from "./storage/db";
import { reposOf } from "./storage/repos";

/**
 * The composition root: the one place that reads `env` (through `readConfig` and the bindings) and
 * builds the contexts domain code runs with — per request (app.ts middleware), per room
 * (ConversationRoom, via rooms/room-ctx.ts), per hub (TenantHub) and per queue batch (queue.ts).
 * Verbs get ports (`repos`, `rooms`, `hub`, `providers`, `services.files`/`ingestQueue`, `clock`, `log`),
 * never a binding, the Drizzle handle or a Durable Object stub.
 */

/** The context of one unit of work, before a tenant is known (anonymous routes, queue messages). */
function baseCtx(env: Env, requestId: string, origin: string, log: Log, d1: D1Database = env.DB): BaseCtx {
  const config = readConfig(env);
  const repos = reposOf(createDb(d1));
  return {
    repos,
    config,
    clock: systemClock,
    log,
    requestId,
    services: {
      files: env.FILES,
      ingestQueue: env.INGEST_QUEUE,
      rateLimits: { api: env.API_RATE_LIMIT, login: env.LOGIN_RATE_LIMIT, voice: env.VOICE_RATE_LIMIT },
      assets: { fetch: (url) => env.ASSETS.fetch(url) },
      mail: chooseMailer(env, repos, { origin, now: systemClock.now }),
      payments: paymentsFor(config),
      origin,
    },
    rooms: roomsPortOf(env.CONVERSATION_ROOM),
    hub: hubPortOf(env.TENANT_HUB),
    knowledge: config.retrievalIndex === "d1" ? d1KnowledgeIndex(repos) : knowledgeIndexPortOf(env.KNOWLEDGE_INDEX),
    providers: providersFor({
      config,
      repos,
      ai: env.AI,
      vectors: env.VECTORS,
      loadOpenAi: (tenantId) => loadOpenAiSettings({ repos, config, tenantId, log }),
      loadBotChain: (tenantId, botId) => loadBotAnswerChain({ repos, config, tenantId, log }, botId),
      now: () => systemClock.now(),
    }),
  };
}

/** Per request: completed by `authed()` with tenant and actor; anonymous routes use it as is. */
export function requestCtx(env: Env, requestId: string, origin: string): BaseCtx {
  return baseCtx(env, requestId, origin, createLog({ requestId }));
}

/** Per conversation room: the request context scoped to the room's tenant, logging as the room. */
export function roomCtx(env: Env, tenantId: string, conversationId: string, origin = ""): AnswerCtx {
  const log = createLog({ do: "ConversationRoom", tenantId, conversationId });
  // the room's D1 handle: a counting wrapper in tests (rooms/room-db.ts), the binding otherwise
  return { ...baseCtx(env, newId("req"), origin, log, roomD1(env.DB, conversationId)), tenantId };
}

/** Per tenant hub: the hub keeps no domain state; it logs and verifies re-auth tokens with the app secret. */
export function hubCtx(env: Env): { log: Log; appSecret: () => string } {
  return { log: createLog({ do: "TenantHub" }), appSecret: () => readConfig(env).appSecret };
}

/** Per cron run (scheduled.ts): the repositories, the master keys and a log. */
export function scheduledCtx(env: Env, cron: string) {
  return { repos: reposOf(createDb(env.DB)), keys: masterKeysOf(readConfig(env)), log: createLog({ cron }) };
}

/** Per cron run that works through domain verbs (retention): the base context, no tenant. */
export function cronCtx(env: Env, cron: string): BaseCtx {
  return baseCtx(env, newId("req"), "", createLog({ cron }));
}

/** Per queue message (a batch's messages may belong to different tenants): no tenant until the message names it. */
export function queueCtx(env: Env, queue: string): BaseCtx {
  const requestId = newId("req");
  return baseCtx(env, requestId, "", createLog({ queue, requestId }));
}

/** Per inbound mail (email() handler): no tenant until the recipient address names it. */
export function emailCtx(env: Env): BaseCtx {
  const requestId = newId("req");
  return baseCtx(env, requestId, "", createLog({ handler: "email", requestId }));
}
