import { z } from "zod";
import { createLog } from "./lib/log";
import { baseCtxOf } from "./app";
import { processIngestMessage } from "./domain/knowledge/ingest";
import { INGEST_KIND } from "./domain/knowledge/schemas";
import { newId } from "./lib/ids";

/**
 * The queue consumer: every message is `{kind, ...}`; each kind has one handler. Unknown or invalid
 * messages are logged and acknowledged (retrying them cannot help).
 */
export const QueueMessage = z.object({ kind: z.string() }).loose();

type Handler = (body: unknown, env: Env, ctx: ExecutionContext) => Promise<void>;
const handlers: Record<string, Handler> = {};

export function registerQueueHandler(kind: string, handler: Handler) {
  handlers[kind] = handler;
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
      await handler(msg.body, env, ctx);
      msg.ack();
    } catch (err) {
      log.error("queue: handler failed", { id: msg.id, attempts: msg.attempts, error: String(err) });
      msg.retry({ delaySeconds: Math.min(30, 2 ** msg.attempts) });
    }
  }
}

// knowledge: extract, chunk and index an uploaded source (domain/knowledge/ingest.ts)
registerQueueHandler(INGEST_KIND, (body, env) => processIngestMessage(baseCtxOf(env, newId("req"), ""), body));
