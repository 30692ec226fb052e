import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";

/**
 * Feature areas mount their routers here, one line each, so parallel work on separate areas does
 * not collide in app.ts.
 */
export function mountFeatureRoutes(app: OpenAPIHono<AppEnv>) {
  void app;
}
