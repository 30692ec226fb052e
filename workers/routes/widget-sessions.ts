import { createRoute, z } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import {
  AttachmentDto,
  AttachmentRequest,
  readVisitorAttachment,
  requestUpload,
  SessionDto,
  SessionInput,
  startWidgetSession,
  storeUpload,
  UploadTicket,
  verifyVisitorToken,
} from "../domain/conversations";
import { connectVisitor } from "../domain/conversations/sockets";
import { readAvatarModel } from "../domain/bots/avatar-model";
import { mailTranscript } from "../domain/mail/product-mails";
import { Invalid, Unauthorized } from "../lib/errors";
import { createRouter, jsonBody, jsonResponse, problemResponses, anyOf } from "../lib/http";
import { requireUpgrade, upgradeOr1008 } from "./socket-upgrade";

const TokenQuery = z.object({ token: z.string().min(1).max(2000).optional() });
const AttParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const AvatarParam = z.object({
  key: z
    .string()
    .regex(/^pk_[A-Za-z0-9_-]{1,80}$/)
    .openapi({ param: { name: "key", in: "path" } }),
  file: z
    .string()
    .regex(/^[0-9a-f]{64}\.glb$/)
    .openapi({ param: { name: "file", in: "path" } }),
});
const SigQuery = z.object({ sig: z.string().min(1).max(2000) });
const TranscriptRequest = z.object({ email: z.email().max(254).optional() }).strict();

/** The visitor token from `Authorization: Bearer` or `?token=`. */
function visitorTokenOf(header: string | undefined, query: string | undefined) {
  const t = header?.startsWith("Bearer ") ? header.slice(7).trim() : query;
  if (!t) throw new Unauthorized("visitor token missing");
  return t;
}

/**
 * The widget's endpoints. They run on other sites' pages, so CORS answers every origin here and the
 * session verb enforces the bot's allowed origins (none configured = any).
 */
export const widgetRoutes = createRouter();
widgetRoutes.use(
  "*",
  cors({
    origin: (o) => o || "*",
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["content-type", "authorization"],
    maxAge: 600,
  }),
);

widgetRoutes
  .openapi(
    createRoute({
      method: "post",
      path: "/sessions",
      tags: ["widget"],
      summary: "Create or resume a visitor's conversation and get a socket URL",
      // public: the bot key in the body and the bot's allowed origins decide
      security: [],
      request: { body: jsonBody(SessionInput) },
      responses: { 200: jsonResponse(SessionDto, "session"), ...problemResponses },
    }),
    async (c) =>
      c.json(
        await startWidgetSession(
          c.var.ctx,
          c.req.valid("json"),
          c.req.header("origin"),
          c.req.header("cf-connecting-ip"),
        ),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/ws",
      tags: ["widget"],
      summary: "The visitor's WebSocket (protocol v1, docs/protocol.md); bad tokens close with 1008",
      security: anyOf("visitorToken"),
      request: { query: TokenQuery },
      responses: { 101: { description: "switching protocols" }, 400: problemResponses[400] },
    }),
    async (c) => {
      requireUpgrade(c.req.raw);
      const token = c.req.valid("query").token;
      return upgradeOr1008(async () => connectVisitor(c.var.ctx, visitorTokenOf(undefined, token), c.req.raw));
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/attachments",
      tags: ["widget"],
      summary: "Get a short-lived signed URL to upload one file (type and size are checked)",
      security: anyOf("visitorToken"),
      request: { query: TokenQuery, body: jsonBody(AttachmentRequest) },
      responses: { 201: jsonResponse(UploadTicket, "upload URL"), ...problemResponses },
    }),
    async (c) => {
      const scope = await verifyVisitorToken(
        c.var.ctx,
        visitorTokenOf(c.req.header("authorization"), c.req.valid("query").token),
      );
      return c.json(await requestUpload(c.var.ctx, scope, c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/attachments/{id}/upload",
      tags: ["widget"],
      summary: "Upload the file (multipart field `file`) to a signed URL",
      security: anyOf("signedUrl"),
      request: { params: AttParam, query: SigQuery },
      responses: { 201: jsonResponse(AttachmentDto, "stored"), ...problemResponses },
    }),
    async (c) => {
      const form = await c.req.formData().catch(() => {
        throw new Invalid("expected multipart/form-data with a `file` field");
      });
      const file = form.get("file");
      if (!(file instanceof File))
        throw new Invalid("expected a `file` field", [{ path: "file", message: "required" }]);
      return c.json(await storeUpload(c.var.ctx, c.req.valid("param").id, c.req.valid("query").sig, file), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/attachments/{id}",
      tags: ["widget"],
      summary: "Download a file of the visitor's own conversation",
      security: anyOf("visitorToken"),
      request: { params: AttParam, query: TokenQuery },
      responses: { 200: { description: "the file" }, ...problemResponses },
    }),
    async (c) => {
      const scope = await verifyVisitorToken(
        c.var.ctx,
        visitorTokenOf(c.req.header("authorization"), c.req.valid("query").token),
      );
      const obj = await readVisitorAttachment(c.var.ctx, scope, c.req.valid("param").id);
      return fileResponse(obj);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/transcript",
      tags: ["widget"],
      summary: "Mail the visitor the transcript of their conversation (to the address it knows, else the one given)",
      security: anyOf("visitorToken"),
      request: { query: TokenQuery, body: jsonBody(TranscriptRequest) },
      responses: { 202: jsonResponse(z.object({ to: z.string() }), "queued"), ...problemResponses },
    }),
    async (c) => {
      const scope = await verifyVisitorToken(
        c.var.ctx,
        visitorTokenOf(c.req.header("authorization"), c.req.valid("query").token),
      );
      return c.json(await mailTranscript(c.var.ctx, scope, c.req.valid("json")), 202);
    },
  );

widgetRoutes.openapi(
  createRoute({
    method: "get",
    path: "/avatars/{key}/{file}",
    tags: ["widget"],
    summary: "A bot's 3D avatar model (binary glTF), by the bot's publishable key and the model's SHA-256",
    description: "Only the bot's current model; content-addressed, so cached for good.",
    request: { params: AvatarParam },
    responses: { 200: { description: "model/gltf-binary" }, ...problemResponses },
  }),
  async (c) => {
    const { key, file } = c.req.valid("param");
    const obj = await readAvatarModel(c.var.ctx, key, file.slice(0, 64));
    return new Response(obj.body, {
      headers: {
        "content-type": "model/gltf-binary",
        "content-length": String(obj.size),
        "cache-control": "public, max-age=31536000, immutable",
        "x-content-type-options": "nosniff",
      },
    });
  },
);

/** R2 object → download response; files are never rendered inline on our origin. */
export function fileResponse(obj: R2ObjectBody): Response {
  const headers = new Headers();
  obj.writeHttpMetadata(headers);
  headers.set("x-content-type-options", "nosniff");
  headers.set("content-security-policy", "default-src 'none'; sandbox");
  headers.set("cache-control", "private, max-age=300");
  return new Response(obj.body, { status: 200, headers });
}
