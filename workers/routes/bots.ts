import { createRoute, z } from "@hono/zod-openapi";
import { createBot, deleteBot, getBot, listBots, revealBotSecret, toBotDto, updateBot } from "../domain/bots";
import { BotDto, BotInput, BotPatch } from "../domain/bots/schemas";
import { removeAvatarModel, setAvatarModel } from "../domain/bots/avatar-model";
import { Invalid } from "../lib/errors";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const Param = IdParam("bot");
const sec = [{ bearer: [] }];

export const botRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "List the workspace's bots",
      tags: ["bots"],
      security: sec,
      middleware: [authed("bots:read")],
      responses: { 200: jsonResponse(z.object({ data: z.array(BotDto) }), "bots"), ...problemResponses },
    }),
    async (c) => c.json({ data: (await listBots(c.var.ctx)).map(toBotDto) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      summary: "Create a bot",
      tags: ["bots"],
      security: sec,
      middleware: [authed("bots:write")],
      request: { body: jsonBody(BotInput) },
      responses: { 201: jsonResponse(BotDto, "created"), ...problemResponses },
    }),
    async (c) => c.json(toBotDto(await createBot(c.var.ctx, c.req.valid("json"))), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      summary: "Get a bot",
      tags: ["bots"],
      security: sec,
      middleware: [authed("bots:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(BotDto, "bot"), ...problemResponses },
    }),
    async (c) => c.json(toBotDto(await getBot(c.var.ctx, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      summary: "Update a bot (name, settings, persona, avatar)",
      tags: ["bots"],
      security: sec,
      middleware: [authed("bots:write")],
      request: { params: Param, body: jsonBody(BotPatch) },
      responses: { 200: jsonResponse(BotDto, "updated"), ...problemResponses },
    }),
    async (c) => c.json(toBotDto(await updateBot(c.var.ctx, c.req.valid("param").id, c.req.valid("json"))), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      summary: "Delete a bot",
      tags: ["bots"],
      security: sec,
      middleware: [authed("bots:write")],
      request: { params: Param },
      responses: { 204: { description: "deleted" }, ...problemResponses },
    }),
    async (c) => {
      await deleteBot(c.var.ctx, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/secret",
      tags: ["bots"],
      summary: "The identity-verification secret (HMAC key for visitor ids)",
      security: sec,
      middleware: [authed("bots:write")],
      request: { params: Param },
      responses: { 200: jsonResponse(z.object({ secret: z.string() }), "secret"), ...problemResponses },
    }),
    async (c) => c.json({ secret: await revealBotSecret(c.var.ctx, c.req.valid("param").id) }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/avatar/model",
      tags: ["bots"],
      summary: "Upload the bot's 3D avatar: a self-contained binary glTF (.glb) as multipart field `file`",
      description:
        "Checked as a loader reads it (glTF 2.0, one file, no external buffers or images, no compression the widget cannot decode). " +
        "Animation clips named after a mood or state (happy, thinking, speaking, …) are played for it; morph targets such as mouthOpen move with speech. " +
        "Replaces the previous model; the widget loads three.js only for bots with a model.",
      security: sec,
      middleware: [authed("bots:write")],
      request: {
        params: Param,
        body: { required: true, content: { "multipart/form-data": { schema: z.object({ file: z.any() }) } } },
      },
      responses: { 200: jsonResponse(BotDto, "the bot with its model"), ...problemResponses },
    }),
    async (c) => {
      if (!(c.req.header("content-type") ?? "").startsWith("multipart/form-data"))
        throw new Invalid("send a multipart form with the .glb as `file`", [{ path: "file", message: "missing" }]);
      const file = (await c.req.parseBody()).file;
      if (!(file instanceof File)) throw new Invalid("the form has no file", [{ path: "file", message: "missing" }]);
      return c.json(toBotDto(await setAvatarModel(c.var.ctx, c.req.valid("param").id, file)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/avatar/model",
      tags: ["bots"],
      summary: "Remove the bot's 3D avatar model (the widget shows the 2D face again)",
      security: sec,
      middleware: [authed("bots:write")],
      request: { params: Param },
      responses: { 200: jsonResponse(BotDto, "the bot without a model"), ...problemResponses },
    }),
    async (c) => c.json(toBotDto(await removeAvatarModel(c.var.ctx, c.req.valid("param").id)), 200),
  );
