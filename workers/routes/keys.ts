import { createRoute, z } from "@hono/zod-openapi";
import { createApiKey, KeyDto, KeyInput, listApiKeys, revokeApiKey, toKeyDto } from "../domain/keys";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];

export const keyRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "List API keys (prefixes only, never secrets)",
      tags: ["keys"],
      security: sec,
      middleware: [authed("keys:read")],
      responses: { 200: jsonResponse(z.object({ data: z.array(KeyDto) }), "keys"), ...problemResponses },
    }),
    async (c) => c.json({ data: (await listApiKeys(c.var.ctx)).map(toKeyDto) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["keys"],
      summary: "Create a key; the secret is shown once",
      security: sec,
      middleware: [authed("keys:write")],
      request: { body: jsonBody(KeyInput) },
      responses: { 201: jsonResponse(KeyDto.extend({ secret: z.string() }), "created"), ...problemResponses },
    }),
    async (c) => {
      const { key, secret } = await createApiKey(c.var.ctx, c.req.valid("json"));
      return c.json({ ...toKeyDto(key), secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags: ["keys"],
      summary: "Revoke a key",
      security: sec,
      middleware: [authed("keys:write")],
      request: { params: IdParam("key") },
      responses: { 200: jsonResponse(KeyDto, "revoked"), ...problemResponses },
    }),
    async (c) => c.json(toKeyDto(await revokeApiKey(c.var.ctx, c.req.valid("param").id)), 200),
  );
