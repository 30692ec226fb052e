import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./env";
import type { Ctx } from "./domain/ctx";
import { requestCtx } from "./compose";
import { AppError, Invalid, RateLimited } from "./lib/errors";
import { newId } from "./lib/ids";
import { createLog } from "./lib/log";
import { problemResponse } from "./lib/problem";
import { redactPath } from "./lib/redact";
import { authRoutes } from "./routes/auth";
import { botProviderRoutes } from "./routes/bot-providers";
import { botRoutes } from "./routes/bots";
import { keyRoutes } from "./routes/keys";
import { teamRoutes } from "./routes/team";
import { healthRoutes } from "./routes/health";
import { landingRoutes } from "./routes/landing";
import { mountFeatureRoutes } from "./routes/features";
import { serveApiDocument } from "./routes/openapi";
import { secretGate } from "./routes/secret-gate";
import { requestMetaOf } from "./domain/audit";

/** 1 MiB for JSON and everything else; uploads (multipart) have their own, larger limit. */
export const MAX_JSON_BYTES = 1024 * 1024;
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();

  app.use("*", async (c, next) => {
    const requestId = newId("req");
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    const started = Date.now();
    // ctx is completed by `authed()` with tenant and actor; anonymous routes use it as BaseCtx
    c.set("ctx", requestCtx(c.env, requestId, new URL(c.req.url).origin) as Ctx);
    Object.assign(c.var.ctx, { request: requestMetaOf((name) => c.req.header(name)) }); // read by audit()
    await next();
    if (!c.req.path.startsWith("/health")) {
      c.var.ctx.log.info("request", {
        method: c.req.method,
        path: redactPath(c.req.path),
        status: c.res.status,
        ms: Date.now() - started,
      });
    }
  });
  app.use("*", secretGate);
  app.use("*", secureHeaders({ crossOriginResourcePolicy: false, crossOriginOpenerPolicy: false }));
  app.use("/api/*", async (c, next) => {
    const multipart = c.req.header("content-type")?.startsWith("multipart/form-data");
    const limit = multipart ? MAX_UPLOAD_BYTES : MAX_JSON_BYTES;
    return bodyLimit({
      maxSize: limit,
      onError: () => {
        throw new AppError("PAYLOAD_TOO_LARGE", `request body is over the ${limit} byte limit`);
      },
    })(c, next);
  });

  app.route("/health", healthRoutes);
  app.route("/", landingRoutes);
  app.route("/api/auth", authRoutes);
  app.route("/api/bots", botRoutes);
  app.route("/api/bots", botProviderRoutes);
  app.route("/api/keys", keyRoutes);
  app.route("/api/team", teamRoutes);
  mountFeatureRoutes(app);

  serveApiDocument(app);

  app.notFound((c) =>
    problemResponse(new AppError("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), c.var.requestId),
  );
  app.onError((err, c) => {
    const requestId = c.var.requestId ?? "req_unknown";
    if (err instanceof AppError) {
      const headers: Record<string, string> =
        err instanceof RateLimited ? { "retry-after": String(err.retryAfterSeconds) } : {};
      return problemResponse(err, requestId, headers);
    }
    if (err instanceof HTTPException && err.status < 500) {
      // hono's own validator errors: malformed JSON, wrong content type
      return problemResponse(new Invalid(err.message || "malformed request"), requestId);
    }
    if (err instanceof Error && err.name === "ZodError") {
      createLog({ requestId }).error("config or schema failure", { error: String(err) });
      return problemResponse(new AppError("CONFIG_INVALID", "the server is misconfigured"), requestId);
    }
    createLog({ requestId }).error("unhandled error", {
      error: String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    return problemResponse(
      new AppError("INTERNAL", "something went wrong on our side; quote the request id"),
      requestId,
    );
  });
  return app;
}
