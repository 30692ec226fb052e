import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { ZodType } from "zod";
import type { AppEnv } from "../env";
import { Invalid } from "./errors";

/**
 * Every REST sub-app is an OpenAPIHono router: the zod schema that validates a request is the one
 * the OpenAPI document at /api/openapi.json describes. A failed validation throws `Invalid` with the
 * failing fields, which `app.onError` renders as a 400 problem.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new Invalid("request does not match the schema", zodFieldErrors(result.error));
      }
    },
  });
}

export function zodFieldErrors(error: {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}) {
  return error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(root)", message: i.message }));
}

/** A required JSON body: without `required`, a request with another content type would skip validation. */
export function jsonBody<T extends ZodType>(schema: T, description = "JSON body") {
  return { content: { "application/json": { schema } }, required: true, description } as const;
}

export function jsonResponse<T extends ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description } as const;
}

/** Problem-details response, referenced by routes for their error statuses. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    code: z.string(),
    detail: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

export const problemResponses = {
  400: { content: { "application/problem+json": { schema: ProblemSchema } }, description: "Invalid request" },
  401: { content: { "application/problem+json": { schema: ProblemSchema } }, description: "Unauthorized" },
  403: { content: { "application/problem+json": { schema: ProblemSchema } }, description: "Forbidden" },
  404: { content: { "application/problem+json": { schema: ProblemSchema } }, description: "Not found" },
} as const;

export const IdParam = (prefix: string) =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name: "id", in: "path" }, example: `${prefix}_01j…` }),
  });

export type Middleware = MiddlewareHandler<AppEnv>;

/** An operation's OpenAPI security: any one of the named schemes (workers/routes/openapi.ts defines them). */
export const anyOf = (...schemes: string[]): Record<string, string[]>[] => schemes.map((s) => ({ [s]: [] }));
