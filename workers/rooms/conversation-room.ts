import { DurableObject } from "cloudflare:workers";

/** One per conversation, named `${tenantId}:${conversationId}`. Filled in by the conversations work. */
export class ConversationRoom extends DurableObject<Env> {
  override async fetch(): Promise<Response> {
    return new Response("not implemented", { status: 501 });
  }
}
