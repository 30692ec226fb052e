import { createRoute, z } from "@hono/zod-openapi";
import {
  addExamples,
  createCategory,
  deleteCategory,
  deleteExample,
  getCategory,
  listCategories,
  predictCategory,
  updateCategory,
} from "../domain/triage/categories";
import {
  CategoryDto,
  CategoryInput,
  CategoryPatch,
  ClassifyInput,
  ExampleDto,
  ExamplesInput,
  PredictionDto,
} from "../domain/triage/schemas";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const Param = IdParam("cat");
const ExampleParam = Param.extend({
  exampleId: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "exampleId", in: "path" } }),
});
const CategoryWithExamples = CategoryDto.extend({ examples: z.array(ExampleDto) }).openapi("CategoryWithExamples");

/** Tenant categories with example messages; every change retrains the tenant's classifier (lazily). */
export const categoryRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "List triage categories",
      tags: ["categories"],
      security: sec,
      middleware: [authed("tickets:read")],
      responses: { 200: jsonResponse(z.object({ data: z.array(CategoryDto) }), "categories"), ...problemResponses },
    }),
    async (c) => c.json({ data: await listCategories(c.var.ctx) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["categories"],
      summary: "Create a category with example messages",
      security: sec,
      middleware: [authed("settings:write")],
      request: { body: jsonBody(CategoryInput) },
      responses: { 201: jsonResponse(CategoryWithExamples, "created"), ...problemResponses },
    }),
    async (c) => c.json(await createCategory(c.var.ctx, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/classify",
      tags: ["categories"],
      summary: "Try the tenant's classifier on a message",
      security: sec,
      middleware: [authed("tickets:read")],
      request: { body: jsonBody(ClassifyInput) },
      responses: { 200: jsonResponse(PredictionDto, "prediction"), ...problemResponses },
    }),
    async (c) =>
      c.json(
        (await predictCategory(c.var.ctx, c.req.valid("json").text)) ?? {
          categoryId: null,
          name: null,
          confidence: 0,
          scores: {},
        },
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      summary: "Get a triage category with its examples",
      tags: ["categories"],
      security: sec,
      middleware: [authed("tickets:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(CategoryWithExamples, "category"), ...problemResponses },
    }),
    async (c) => c.json(await getCategory(c.var.ctx, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      summary: "Update a triage category",
      tags: ["categories"],
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: Param, body: jsonBody(CategoryPatch) },
      responses: { 200: jsonResponse(CategoryWithExamples, "updated"), ...problemResponses },
    }),
    async (c) => c.json(await updateCategory(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      summary: "Delete a triage category",
      tags: ["categories"],
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: Param },
      responses: { 204: { description: "deleted" }, ...problemResponses },
    }),
    async (c) => {
      await deleteCategory(c.var.ctx, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/examples",
      tags: ["categories"],
      summary: "Add example messages",
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: Param, body: jsonBody(ExamplesInput) },
      responses: { 200: jsonResponse(CategoryWithExamples, "updated"), ...problemResponses },
    }),
    async (c) => c.json(await addExamples(c.var.ctx, c.req.valid("param").id, c.req.valid("json").examples), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/examples/{exampleId}",
      summary: "Delete a category's training example",
      tags: ["categories"],
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: ExampleParam },
      responses: { 204: { description: "deleted" }, ...problemResponses },
    }),
    async (c) => {
      const { id, exampleId } = c.req.valid("param");
      await deleteExample(c.var.ctx, id, exampleId);
      return c.body(null, 204);
    },
  );
