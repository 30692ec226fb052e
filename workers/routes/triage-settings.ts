import { createRoute, z } from "@hono/zod-openapi";
import { EscalationPolicyPatch, EscalationPolicySchema } from "../domain/triage/policy";
import { PresenceDto, PresenceInput, RoutingRuleDto, RoutingRuleInput } from "../domain/triage/schemas";
import {
  createRoutingRule,
  deleteRoutingRule,
  getPolicy,
  getSla,
  listPresence,
  listRoutingRules,
  setMyPresence,
  updatePolicy,
  updateSla,
} from "../domain/triage/settings";
import { SlaPatch, SlaTableSchema } from "../domain/triage/sla";
import { createRouter, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const BotParam = z.object({
  botId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "botId", in: "path" } }),
});
const RuleParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "id", in: "path" } }),
});

/** Escalation policy per bot, SLA targets, routing rules and agent presence, under /api/triage. */
export const triageSettingsRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/policies/{botId}",
      tags: ["triage"],
      summary: "A bot's escalation policy (defaults until changed)",
      security: sec,
      middleware: [authed("bots:read")],
      request: { params: BotParam },
      responses: { 200: jsonResponse(EscalationPolicySchema, "policy"), ...problemResponses },
    }),
    async (c) => c.json(await getPolicy(c.var.ctx, c.req.valid("param").botId), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/policies/{botId}",
      tags: ["triage"],
      summary: "Change a bot's escalation policy",
      security: sec,
      middleware: [authed("bots:write")],
      request: { params: BotParam, body: jsonBody(EscalationPolicyPatch) },
      responses: { 200: jsonResponse(EscalationPolicySchema, "policy"), ...problemResponses },
    }),
    async (c) => c.json(await updatePolicy(c.var.ctx, c.req.valid("param").botId, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/sla",
      tags: ["triage"],
      summary: "SLA targets per priority (minutes)",
      security: sec,
      middleware: [authed("tickets:read")],
      responses: { 200: jsonResponse(SlaTableSchema, "targets"), ...problemResponses },
    }),
    async (c) => c.json(await getSla(c.var.ctx), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/sla",
      tags: ["triage"],
      summary: "Change SLA targets for some priorities",
      security: sec,
      middleware: [authed("settings:write")],
      request: { body: jsonBody(SlaPatch) },
      responses: { 200: jsonResponse(SlaTableSchema, "targets"), ...problemResponses },
    }),
    async (c) => c.json(await updateSla(c.var.ctx, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/routing-rules",
      summary: "List routing rules",
      tags: ["triage"],
      security: sec,
      middleware: [authed("tickets:read")],
      responses: { 200: jsonResponse(z.object({ data: z.array(RoutingRuleDto) }), "rules"), ...problemResponses },
    }),
    async (c) => c.json({ data: await listRoutingRules(c.var.ctx) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/routing-rules",
      tags: ["triage"],
      summary: "Route a category (or any) to an agent or a team (round-robin)",
      security: sec,
      middleware: [authed("settings:write")],
      request: { body: jsonBody(RoutingRuleInput) },
      responses: { 201: jsonResponse(RoutingRuleDto, "created"), ...problemResponses },
    }),
    async (c) => c.json(await createRoutingRule(c.var.ctx, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/routing-rules/{id}",
      summary: "Delete a routing rule",
      tags: ["triage"],
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: RuleParam },
      responses: { 204: { description: "deleted" }, ...problemResponses },
    }),
    async (c) => {
      await deleteRoutingRule(c.var.ctx, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/presence",
      tags: ["triage"],
      summary: "Agents' presence as routing sees it",
      security: sec,
      middleware: [authed("tickets:read")],
      responses: { 200: jsonResponse(z.object({ data: z.array(PresenceDto) }), "presence"), ...problemResponses },
    }),
    async (c) => c.json({ data: await listPresence(c.var.ctx) }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/presence/me",
      tags: ["triage"],
      summary: "Presence heartbeat of the signed-in agent",
      security: sec,
      middleware: [authed("tickets:write")],
      request: { body: jsonBody(PresenceInput) },
      responses: { 200: jsonResponse(PresenceDto, "presence"), ...problemResponses },
    }),
    async (c) => c.json(await setMyPresence(c.var.ctx, c.req.valid("json").status), 200),
  );
