/**
 * The served OpenAPI document (issue 22) linted with Redocly's recommended rules plus an operationId
 * and a summary on every operation (scripts/openapi-lint.mjs, also `npm run lint:openapi`): no errors.
 * Also checks the parts the linter cannot know: the plain-Hono routes (health, webhooks) are described,
 * public routes say so, and the server is the one serving the document.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS module without types
import { describeProblems, lintOpenApi } from "../scripts/openapi-lint.mjs";
import { startEcho, type LocalServer, e2ePort } from "./harness";

type Op = { operationId?: string; summary?: string; security?: Record<string, string[]>[] };
type Doc = {
  servers?: { url: string }[];
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, Op>>;
  components?: { securitySchemes?: Record<string, unknown> };
};

const PORT = e2ePort(8898);
let server: LocalServer;
let doc: Doc;

beforeAll(async () => {
  server = await startEcho(PORT, "echo-openapi-");
  const res = await fetch(`${server.origin}/api/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
});
afterAll(async () => {
  await server?.stop();
});

describe("the OpenAPI document", () => {
  it("passes the linter with no errors", async () => {
    const problems = (await lintOpenApi(doc)) as { severity: string }[];
    const lines = describeProblems(problems) as string[];
    console.log(`openapi lint: ${lines.length} problems\n${lines.join("\n")}`);
    expect(lines.filter((l) => l.startsWith("error"))).toEqual([]);
  });

  it("names the server and the bearer scheme, and every operation has a unique id and a summary", () => {
    expect(doc.servers?.[0]?.url).toBe(server.origin);
    expect(doc.security).toEqual([{ bearer: [] }]);
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op })),
    );
    expect(ops.length).toBeGreaterThan(100);
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === "string" && /^[A-Za-z0-9_]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ops.filter((o) => !o.op.summary).map((o) => `${o.method} ${o.path}`)).toEqual([]);
  });

  it("describes health and the webhooks with how each is authenticated; public routes say they are public", () => {
    expect(doc.paths["/health"]?.get?.security).toEqual([]);
    expect(doc.paths["/hooks/stripe"]?.post?.security).toEqual([{ stripeSignature: [] }]);
    expect(doc.paths["/hooks/whatsapp/{id}"]?.post?.security).toEqual([{ metaSignature: [] }]);
    expect(doc.paths["/hooks/shopify/{id}"]?.post?.security).toEqual([{ shopifyHmac: [] }]);
    expect(doc.paths["/hooks/voice/twilio/{id}/gather"]?.post?.security).toEqual([{ twilioSignature: [] }]);
    expect(doc.paths["/api/auth/login"]?.post?.security).toEqual([]);
    expect(doc.paths["/api/widget/sessions"]?.post?.security).toEqual([]);
    expect(doc.paths["/api/widget/ws"]?.get?.security).toEqual([{ visitorToken: [] }]);
    // a protected route inherits the root's bearer requirement or names it
    const bots = doc.paths["/api/bots"]?.get;
    expect(bots?.security ?? doc.security).toEqual([{ bearer: [] }]);
    for (const scheme of ["bearer", "visitorToken", "signedUrl", "stripeSignature", "twilioSignature"])
      expect(doc.components?.securitySchemes?.[scheme]).toBeDefined();
  });
});
