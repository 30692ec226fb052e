import { createRoute } from "@hono/zod-openapi";
import {
  deleteOpenAiSettings,
  getOpenAiSettings,
  OpenAiSettingsInput,
  ProviderSettingsDto,
  saveOpenAiSettings,
} from "../domain/knowledge/provider-settings";
import { createRouter, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const tags = ["settings"];

/** /api/settings/providers: the workspace's own answer provider. The key is write-only (a hint is shown). */
export const providerRoutes = createRouter()
  .openapi(
    createRoute({
      method: "put",
      path: "/openai",
      tags,
      summary: "Use an OpenAI-compatible API (OpenAI, Groq, Together, vLLM, Ollama…) for answers",
      security: sec,
      middleware: [authed("settings:write")],
      request: { body: jsonBody(OpenAiSettingsInput) },
      responses: { 200: jsonResponse(ProviderSettingsDto, "saved"), ...problemResponses },
    }),
    async (c) => c.json(await saveOpenAiSettings(c.var.ctx, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/openai",
      summary: "The workspace's OpenAI-compatible provider settings (key never returned)",
      tags,
      security: sec,
      middleware: [authed("settings:read")],
      responses: { 200: jsonResponse(ProviderSettingsDto, "settings (no key)"), ...problemResponses },
    }),
    async (c) => c.json(await getOpenAiSettings(c.var.ctx), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/openai",
      tags,
      summary: "Back to the default provider",
      security: sec,
      middleware: [authed("settings:write")],
      responses: { 204: { description: "removed" }, ...problemResponses },
    }),
    async (c) => {
      await deleteOpenAiSettings(c.var.ctx);
      return c.body(null, 204);
    },
  );
