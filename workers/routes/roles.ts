import { createRoute, z } from "@hono/zod-openapi";
import {
  createRole,
  deleteRole,
  listRoles,
  RoleCreateInput,
  RoleDto,
  RoleUpdateInput,
  updateRole,
} from "../domain/roles";
import { createRouter, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const tags = ["team"];
const RoleRef = z.object({ id: z.string().min(1).max(100) });

/** /api/roles: built-in role templates and the workspace's custom roles (issue 18 contract). */
export const roleRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "List roles (built-in templates and custom roles)",
      tags,
      security: sec,
      middleware: [authed("roles:read")],
      responses: { 200: jsonResponse(z.object({ data: z.array(RoleDto) }), "roles"), ...problemResponses },
    }),
    async (c) => c.json({ data: await listRoles(c.var.ctx) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a custom role (only with permissions you hold)",
      security: sec,
      middleware: [authed("roles:write")],
      request: { body: jsonBody(RoleCreateInput) },
      responses: { 201: jsonResponse(RoleDto, "created"), ...problemResponses },
    }),
    async (c) => c.json(await createRole(c.var.ctx, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      summary: "Update a custom role's name or permissions",
      tags,
      security: sec,
      middleware: [authed("roles:write")],
      request: { params: RoleRef, body: jsonBody(RoleUpdateInput) },
      responses: { 200: jsonResponse(RoleDto, "updated"), ...problemResponses },
    }),
    async (c) => c.json(await updateRole(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      summary: "Delete a custom role (its holders lose its permissions; their sockets close)",
      tags,
      security: sec,
      middleware: [authed("roles:write")],
      request: { params: RoleRef },
      responses: { 204: { description: "deleted" }, ...problemResponses },
    }),
    async (c) => {
      await deleteRole(c.var.ctx, c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
