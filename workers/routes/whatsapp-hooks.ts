import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { MAX_WEBHOOK_BYTES } from "../domain/channels/whatsapp/schemas";
import { receiveWhatsAppWebhook, verifyWhatsAppHandshake } from "../domain/channels/whatsapp/webhook";
import type { AppEnv } from "../env";
import { AppError } from "../lib/errors";

/**
 * Meta's WhatsApp Cloud API webhook, mounted at /hooks/whatsapp/:id (the id is the channel's,
 * from `POST /api/channels/whatsapp`). GET: the verification handshake, answered with the raw
 * challenge as text. POST: verified over the raw bytes before anything is parsed; 200 with counts.
 */
export const whatsappHookRoutes = new Hono<AppEnv>()
  .get("/:id", async (c) => {
    const challenge = await verifyWhatsAppHandshake(c.var.ctx, c.req.param("id"), {
      mode: c.req.query("hub.mode"),
      token: c.req.query("hub.verify_token"),
      challenge: c.req.query("hub.challenge"),
    });
    return c.text(challenge, 200);
  })
  .post(
    "/:id",
    bodyLimit({
      maxSize: MAX_WEBHOOK_BYTES,
      onError: () => {
        throw new AppError("PAYLOAD_TOO_LARGE", `webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes`);
      },
    }),
    async (c) => {
      const rawBody = new TextDecoder().decode(await c.req.arrayBuffer());
      const counts = await receiveWhatsAppWebhook(c.var.ctx, c.req.param("id"), {
        rawBody,
        signature: c.req.header("x-hub-signature-256") ?? null,
      });
      return c.json(counts, 200);
    },
  );
