import { createRoute, z } from "@hono/zod-openapi";
import { PERMISSIONS, ROLE_PERMISSIONS } from "../domain/auth/permissions";
import { createRouter, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

/** The permission table as data (issue 18 contract), so the dashboard can show what each role may do. */
export const permissionRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    summary: "The permission catalogue and the built-in role templates",
    tags: ["team"],
    security: [{ bearer: [] }],
    middleware: [authed("roles:read")],
    responses: {
      200: jsonResponse(
        z.object({ data: z.array(z.string()), roles: z.record(z.string(), z.array(z.string())) }),
        "permissions",
      ),
      ...problemResponses,
    },
  }),
  async (c) =>
    c.json(
      {
        data: [...PERMISSIONS],
        roles: Object.fromEntries(Object.entries(ROLE_PERMISSIONS).map(([role, set]) => [role, [...set]])),
      },
      200,
    ),
);
