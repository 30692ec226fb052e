import { z } from "zod";
import { createLog } from "./lib/log";
import { queueCtx } from "./compose";
import { failIngestMessage, processIngestMessage } from "./domain/knowledge/ingest";
import { refreshIndex } from "./domain/knowledge/sources";
import { INGEST_KIND } from "./domain/knowledge/schemas";

/**
 * The queue consumer: every message is `{kind, ...}`; each kind has one handler. Unknown or invalid
 * messages are logged and acknowledged (retrying them cannot help).
 */
export const QueueMessage = z.object({ kind: z.string() }).loose();

type Handler = (body: unknown, env: Env, ctx: ExecutionContext) => Promise<void>;
/** Runs when the last delivery failed too: record the failure where a person will see it. */
type GiveUp = (body: unknown, env: Env, error: unknown, attempts: number) => Promise<void>;
const handlers: Record<string, { run: Handler; giveUp?: GiveUp }> = {};

/** Deliveries of one message: the first plus `max_retries` (wrangler.toml, queue consumers). */
export const MAX_DELIVERIES = 4;

export function registerQueueHandler(kind: string, run: Handler, giveUp?: GiveUp) {
  handlers[kind] = { run, ...(giveUp ? { giveUp } : {}) };
}

export async function handleQueue(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) {
  const log = createLog({ queue: batch.queue });
  for (const msg of batch.messages) {
    const parsed = QueueMessage.safeParse(msg.body);
    const handler = parsed.success ? handlers[parsed.data.kind] : undefined;
    if (!handler) {
      log.error("queue: unknown message dropped", { id: msg.id });
      msg.ack();
      continue;
    }
    try {
      await handler.run(msg.body, env, ctx);
      msg.ack();
    } catch (err) {
      log.error("queue: handler failed", { id: msg.id, attempts: msg.attempts, error: String(err) });
      if (msg.attempts < MAX_DELIVERIES || !handler.giveUp) {
        msg.retry({ delaySeconds: Math.min(30, 2 ** msg.attempts) });
        continue;
      }
      // the last delivery: the queue would drop it silently, leaving its work stuck mid-way
      try {
        await handler.giveUp(msg.body, env, err, msg.attempts);
        msg.ack();
      } catch (giveUpErr) {
        log.error("queue: give-up failed", { id: msg.id, error: String(giveUpErr) });
        msg.retry({ delaySeconds: 30 });
      }
    }
  }
}

// knowledge: extract, chunk and index an uploaded source (domain/knowledge/ingest.ts)
registerQueueHandler(
  INGEST_KIND,
  async (body, env, exec) => {
    const ctx = queueCtx(env, INGEST_KIND);
    const tenantId = await processIngestMessage(ctx, body);
    // the tenant's retrieval index copies the new chunks now, not on a visitor's first question
    if (tenantId) exec.waitUntil(refreshIndex({ ...ctx, tenantId }));
  },
  (body, env, err, attempts) => failIngestMessage(queueCtx(env, INGEST_KIND), body, err, attempts),
);
