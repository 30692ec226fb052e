import { createApp } from "./app";
import { handleEmail } from "./email";
import { handleQueue } from "./queue";
import { handleScheduled } from "./scheduled";

export { ConversationRoom } from "./rooms/conversation-room";
export { TenantHub } from "./rooms/tenant-hub";
export { KnowledgeIndex } from "./rooms/knowledge-index";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
  email: (message, env) => handleEmail(message, env),
  scheduled: (controller, env, ctx) => ctx.waitUntil(handleScheduled(controller, env)),
} satisfies ExportedHandler<Env>;
