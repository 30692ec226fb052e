import { createRoute, z } from "@hono/zod-openapi";
import {
  createVoiceIntegration,
  deleteVoiceIntegration,
  getVoiceIntegration,
  listVoiceIntegrations,
  rotateVoiceIntegrationToken,
  toIntegrationDto,
  updateVoiceIntegration,
} from "../domain/voice/integrations";
import { VoiceIntegrationDto, VoiceIntegrationInput, VoiceIntegrationPatch } from "../domain/voice/schemas";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const Param = IdParam("vint");
const sec = [{ bearer: [] }];
const tags = ["voice"];

/**
 * /api/voice/integrations: a tenant's voice provider connections. Secrets go in, only hints come
 * out; the URLs (the custom-LLM ones carry a capability token) only to roles with `voice:write`.
 */
export const voiceRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations",
      summary: "List voice integrations (lines)",
      tags,
      security: sec,
      middleware: [authed("voice:read")],
      responses: {
        200: jsonResponse(z.object({ data: z.array(VoiceIntegrationDto) }), "integrations"),
        ...problemResponses,
      },
    }),
    async (c) =>
      c.json(
        {
          data: await Promise.all((await listVoiceIntegrations(c.var.ctx)).map((r) => toIntegrationDto(c.var.ctx, r))),
        },
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/integrations",
      tags,
      summary: "Connect a voice provider; answers with the webhook URL to paste into its console",
      security: sec,
      middleware: [authed("voice:write")],
      request: { body: jsonBody(VoiceIntegrationInput) },
      responses: { 201: jsonResponse(VoiceIntegrationDto, "created"), ...problemResponses },
    }),
    async (c) =>
      c.json(await toIntegrationDto(c.var.ctx, await createVoiceIntegration(c.var.ctx, c.req.valid("json"))), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/integrations/{id}",
      summary: "Get a voice integration",
      tags,
      security: sec,
      middleware: [authed("voice:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(VoiceIntegrationDto, "integration"), ...problemResponses },
    }),
    async (c) =>
      c.json(await toIntegrationDto(c.var.ctx, await getVoiceIntegration(c.var.ctx, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/integrations/{id}",
      summary: "Update a voice integration",
      tags,
      security: sec,
      middleware: [authed("voice:write")],
      request: { params: Param, body: jsonBody(VoiceIntegrationPatch) },
      responses: { 200: jsonResponse(VoiceIntegrationDto, "updated"), ...problemResponses },
    }),
    async (c) =>
      c.json(
        await toIntegrationDto(
          c.var.ctx,
          await updateVoiceIntegration(c.var.ctx, c.req.valid("param").id, c.req.valid("json")),
        ),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/integrations/{id}/rotate",
      tags,
      summary: "Issue a new capability token: the custom-LLM URLs change and the old ones stop working at once",
      security: sec,
      middleware: [authed("voice:write")],
      request: { params: Param },
      responses: { 200: jsonResponse(VoiceIntegrationDto, "the integration with its new URLs"), ...problemResponses },
    }),
    async (c) => {
      const { row, token } = await rotateVoiceIntegrationToken(c.var.ctx, c.req.valid("param").id);
      return c.json(await toIntegrationDto(c.var.ctx, row, token), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/integrations/{id}",
      summary: "Delete a voice integration",
      tags,
      security: sec,
      middleware: [authed("voice:write")],
      request: { params: Param },
      responses: { 204: { description: "deleted" }, ...problemResponses },
    }),
    async (c) => {
      await deleteVoiceIntegration(c.var.ctx, c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
