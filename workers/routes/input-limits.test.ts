import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectJson, makeTenant } from "../test/fixtures";

const counts = async () => {
  const r = await env.DB.prepare(
    "select (select count(*) from tenants) t, (select count(*) from users) u, (select count(*) from bots) b",
  ).first<Record<string, number>>();
  return r;
};

describe("bad input changes nothing", () => {
  it("malformed JSON gets a 400 problem", async () => {
    const before = await counts();
    const res = await call("/api/auth/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"email": "a@b.c",',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = await res.json<{ code: string; requestId: string }>();
    expect(body.code).toBe("INVALID_REQUEST");
    expect(body.requestId).toMatch(/^req_/);
    expect(await counts()).toEqual(before);
  });

  it("schema violations list every failing field", async () => {
    const before = await counts();
    const body = await expectJson(
      call("/api/auth/signup", {
        method: "POST",
        json: { email: "not-an-email", password: "short", company: "", extra: 1 },
      }),
      400,
    );
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["email", "password", "company"]),
    );
    expect(await counts()).toEqual(before);
  });

  it("a non-JSON content type is refused", async () => {
    const res = await call("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "email=a",
    });
    expect(res.status).toBe(400);
  });

  it("a body over 1 MiB gets 413 and writes nothing", async () => {
    const t = await makeTenant();
    const before = await counts();
    const big = JSON.stringify({ name: "x", instructions: "a".repeat(1024 * 1024 + 10) });
    const res = await call("/api/bots", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${t.token}` },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(await counts()).toEqual(before);
  });

  it("sets security headers and a request id on every response", async () => {
    const res = await call("/health");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("strict-transport-security")).toBeTruthy();
  });

  it("serves an OpenAPI document generated from the validating schemas", async () => {
    const doc = await expectJson(call("/api/openapi.json"), 200);
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/auth/signup", "/api/bots", "/api/bots/{id}", "/api/keys", "/api/team/invitations"]),
    );
    const signup = doc.components.schemas.SignupInput;
    expect(signup.required).toEqual(expect.arrayContaining(["email", "password", "company"]));
  });
});
