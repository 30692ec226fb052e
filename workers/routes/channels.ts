import { createRoute, z } from "@hono/zod-openapi";
import { ensureEmailInbox } from "../domain/channels/email/inbox";
import { createWhatsAppChannel } from "../domain/channels/whatsapp/channels";
import { readWhatsAppConversation } from "../domain/channels/whatsapp/conversation";
import { TemplateInput, WhatsAppChannelInput, WhatsAppChannelPatch } from "../domain/channels/whatsapp/schemas";
import { setWhatsAppWaba, syncWhatsAppTemplates } from "../domain/channels/whatsapp/templates";
import { sendWhatsAppTemplate } from "../domain/channels/whatsapp/send";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const tags = ["channels"];

/**
 * /api/channels: the workspace's email address and WhatsApp numbers. Inbound mail arrives through
 * the Worker's email() handler (workers/email.ts), WhatsApp through /hooks/whatsapp/:id.
 */
export const channelRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/email",
      tags,
      summary: "The workspace's inbound email address (made on first use)",
      security: sec,
      middleware: [authed("channels:read")],
      responses: {
        200: jsonResponse(z.object({ address: z.string() }).openapi("EmailChannel"), "address"),
        ...problemResponses,
      },
    }),
    async (c) => c.json(await ensureEmailInbox(c.var.ctx, c.var.ctx.tenantId), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/whatsapp",
      tags,
      summary: "Connect a WhatsApp Cloud API number to a bot; answers with the webhook URL for Meta",
      security: sec,
      middleware: [authed("channels:write")],
      request: { body: jsonBody(WhatsAppChannelInput) },
      responses: {
        201: jsonResponse(z.object({ id: z.string(), webhookUrl: z.string() }).openapi("WhatsAppChannel"), "created"),
        ...problemResponses,
      },
    }),
    async (c) => c.json(await createWhatsAppChannel(c.var.ctx, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/whatsapp/{id}",
      tags,
      summary: "Set the WhatsApp Business Account id a number's templates are synced from",
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: IdParam("wac"), body: jsonBody(WhatsAppChannelPatch) },
      responses: {
        200: jsonResponse(z.object({ id: z.string(), wabaId: z.string() }), "updated"),
        ...problemResponses,
      },
    }),
    async (c) => c.json(await setWhatsAppWaba(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/whatsapp/{id}/templates",
      tags,
      summary: "Sync and list the number's approved message templates (from the WhatsApp Business Account)",
      security: sec,
      middleware: [authed("conversations:read")],
      request: { params: IdParam("wac") },
      responses: {
        200: jsonResponse(
          z
            .object({
              data: z.array(
                z.object({
                  name: z.string(),
                  language: z.string(),
                  category: z.string(),
                  body: z.string().nullable(),
                  bodyParameters: z.number(),
                  components: z.array(z.unknown()),
                }),
              ),
              syncedAt: z.string(),
            })
            .openapi("WhatsAppTemplates"),
          "the approved templates",
        ),
        ...problemResponses,
      },
    }),
    async (c) => c.json(await syncWhatsAppTemplates(c.var.ctx, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/whatsapp/conversations/{id}",
      tags,
      summary: "A WhatsApp conversation's channel, 24-hour window and delivery receipts",
      security: sec,
      middleware: [authed("conversations:read")],
      request: { params: IdParam("conv") },
      responses: {
        200: jsonResponse(
          z
            .object({
              channelId: z.string(),
              windowClosesAt: z.string(),
              windowOpen: z.boolean(),
              receipts: z.record(z.string(), z.string()),
            })
            .openapi("WhatsAppConversation"),
          "window and receipts",
        ),
        ...problemResponses,
      },
    }),
    async (c) => c.json(await readWhatsAppConversation(c.var.ctx, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/whatsapp/conversations/{id}/template",
      tags,
      summary: "Send an approved template (the only message WhatsApp allows outside the 24-hour window)",
      security: sec,
      middleware: [authed("replies:write")],
      request: { params: IdParam("conv"), body: jsonBody(TemplateInput) },
      responses: {
        201: jsonResponse(z.object({ wamid: z.string(), messageId: z.string() }), "sent"),
        ...problemResponses,
      },
    }),
    async (c) => c.json(await sendWhatsAppTemplate(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 201),
  );
