import { DurableObject } from "cloudflare:workers";

/** One per tenant: the operators' live inbox feed. Filled in by the conversations work. */
export class TenantHub extends DurableObject<Env> {
  override async fetch(): Promise<Response> {
    return new Response("not implemented", { status: 501 });
  }
}
