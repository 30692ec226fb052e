import { Hono } from "hono";
import type { AppEnv } from "../env";

/** 200 when the Worker runs and D1 answers a query; 503 otherwise. */
export const healthRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const started = Date.now();
  try {
    await c.var.ctx.repos.ping();
    return c.json({ status: "ok", d1: "ok", d1Ms: Date.now() - started, time: new Date().toISOString() }, 200);
  } catch (err) {
    c.var.ctx.log.error("health: D1 failed", { error: String(err) });
    return c.json({ status: "degraded", d1: "error" }, 503);
  }
});
