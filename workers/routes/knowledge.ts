import { createRoute, z } from "@hono/zod-openapi";
import { searchKnowledge } from "../domain/knowledge/search";
import {
  SearchInput,
  SearchResultDto,
  SourceDto,
  SourceJsonInput,
  SourceListQuery,
  SourceUploadInput,
} from "../domain/knowledge/schemas";
import {
  createSourceFromJson,
  createSourceFromUpload,
  deleteSource,
  getSource,
  listSources,
  toSourceDto,
} from "../domain/knowledge/sources";
import { Invalid } from "../lib/errors";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const Param = IdParam("doc");
const sec = [{ bearer: [] }];
const tags = ["knowledge"];

/** /api/knowledge: sources (upload, JSON text/qa/url, list, get, delete) and a retrieval search. */
export const knowledgeRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/sources",
      tags,
      summary: "Add a source: a file (multipart field `file`) or JSON text / qa / url; indexed in the background",
      security: sec,
      middleware: [authed("knowledge:write")],
      request: {
        body: {
          required: false,
          description:
            "multipart/form-data with `file` (.txt .md .html .pdf .docx .csv) and optional `botId`, or a JSON source",
          content: {
            "application/json": { schema: SourceJsonInput },
            "multipart/form-data": { schema: SourceUploadInput },
          },
        },
      },
      responses: { 202: jsonResponse(SourceDto, "queued for indexing"), ...problemResponses },
    }),
    async (c) => {
      const type = c.req.header("content-type") ?? "";
      // both validators ran (each only for its own content type); hono merges their output types
      const form = () => c.req.valid("form") as SourceUploadInput;
      const json = () => c.req.valid("json") as SourceJsonInput;
      if (type.startsWith("multipart/form-data"))
        return c.json(toSourceDto(await createSourceFromUpload(c.var.ctx, form())), 202);
      if (/^application\/(.+\+)?json/.test(type))
        return c.json(toSourceDto(await createSourceFromJson(c.var.ctx, json())), 202);
      throw new Invalid("send a multipart form with `file`, or a JSON source", [
        { path: "(root)", message: "missing body" },
      ]);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/sources",
      summary: "List knowledge sources with their ingest status",
      tags,
      security: sec,
      middleware: [authed("knowledge:read")],
      request: { query: SourceListQuery },
      responses: {
        200: jsonResponse(
          z.object({ data: z.array(SourceDto), nextBefore: z.string().nullable() }),
          "sources, newest first",
        ),
        ...problemResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const rows = await listSources(c.var.ctx, q);
      return c.json(
        { data: rows.map(toSourceDto), nextBefore: rows.length === q.limit ? rows[rows.length - 1]!.id : null },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/sources/{id}",
      summary: "Get a knowledge source",
      tags,
      security: sec,
      middleware: [authed("knowledge:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(SourceDto, "source with status and counts"), ...problemResponses },
    }),
    async (c) => c.json(toSourceDto(await getSource(c.var.ctx, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/sources/{id}",
      tags,
      summary: "Delete a source with its chunks, index rows, vectors and original",
      security: sec,
      middleware: [authed("knowledge:write")],
      request: { params: Param },
      responses: { 204: { description: "deleted" }, ...problemResponses },
    }),
    async (c) => {
      await deleteSource(c.var.ctx, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/search",
      tags,
      summary: "Ranked sources for a query (what the answerer retrieves)",
      security: sec,
      middleware: [authed("knowledge:read")],
      request: { body: jsonBody(SearchInput) },
      responses: { 200: jsonResponse(SearchResultDto, "ranked sources"), ...problemResponses },
    }),
    async (c) => c.json(await searchKnowledge(c.var.ctx, c.req.valid("json")), 200),
  );
