import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { ErasedCounts } from "../domain/privacy/schemas";
import { CallDetailDto, CallDto, CallListQuery } from "../domain/voice/call-schemas";
import { deleteCall, getCallDetail, listCalls } from "../domain/voice/call-list";
import { readCallRecording, type RecordingRead, verifyRecordingSig } from "../domain/voice/recording";
import type { AppEnv } from "../env";
import { createRouter, IdParam, jsonResponse, problemResponses, anyOf } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const tags = ["calls"];
const Param = IdParam("call");

/**
 * The recording route takes a bearer token with `voice:read`, or the signed URL GET /api/calls/:id
 * minted (`?sig=`, for the browser's audio element); the signature names its tenant and call.
 */
const recordingAccess = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.query("sig") === undefined) return authed("voice:read")(c, next);
  await next();
});

function recordingResponse(r: RecordingRead): Response {
  const headers = new Headers({
    "accept-ranges": "bytes",
    "x-content-type-options": "nosniff",
    "cache-control": "private, no-store",
  });
  if (r.kind === "unsatisfiable") {
    headers.set("content-range", `bytes */${r.size}`);
    return new Response(null, { status: 416, headers });
  }
  headers.set("content-type", r.contentType);
  headers.set("etag", r.etag);
  if (r.kind === "full") {
    headers.set("content-length", String(r.size));
    return new Response(r.body, { status: 200, headers });
  }
  const { offset, length } = r.range;
  headers.set("content-range", `bytes ${offset}-${offset + length - 1}/${r.size}`);
  headers.set("content-length", String(length));
  return new Response(r.body, { status: 206, headers });
}

/** /api/calls (issue 19): the call list, a call's detail, its recording, and erasing it. */
export const callRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Calls, newest first (filters, transcript search, cursor pagination)",
      security: sec,
      middleware: [authed("voice:read")],
      request: { query: CallListQuery },
      responses: {
        200: jsonResponse(z.object({ data: z.array(CallDto), nextCursor: z.string().nullable() }), "calls"),
        ...problemResponses,
      },
    }),
    async (c) => c.json(await listCalls(c.var.ctx, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "A call: transcript in spoken order, summary, hand-off, cost, duration, a playable recording URL",
      security: sec,
      middleware: [authed("voice:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(CallDetailDto, "call"), ...problemResponses },
    }),
    async (c) => c.json(await getCallDetail(c.var.ctx, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/recording",
      tags,
      summary: "The call's recording from R2; honours Range (206, 416)",
      security: anyOf("bearer", "signedUrl"),
      middleware: [recordingAccess],
      request: {
        params: Param,
        query: z.object({
          sig: z.string().min(1).max(2000).optional().openapi({ description: "the signed URL's signature" }),
        }),
      },
      responses: {
        200: { description: "the whole recording" },
        206: { description: "the requested bytes" },
        416: { description: "the range cannot be satisfied" },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { sig } = c.req.valid("query");
      const ctx = c.var.ctx;
      const tenantId = sig !== undefined ? await verifyRecordingSig(ctx, id, sig) : ctx.tenantId;
      return recordingResponse(await readCallRecording(ctx, tenantId, id, c.req.header("range")));
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Erase the call with its conversation and recording everywhere (audited)",
      security: sec,
      middleware: [authed("privacy:write")],
      request: { params: Param },
      responses: { 200: jsonResponse(z.object({ erased: ErasedCounts }), "erased"), ...problemResponses },
    }),
    async (c) => c.json(await deleteCall(c.var.ctx, c.req.valid("param").id), 200),
  );
