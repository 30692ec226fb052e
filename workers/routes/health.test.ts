import { describe, expect, it } from "vitest";
import { call, expectJson } from "../test/fixtures";

describe("GET /health", () => {
  it("answers 200 with D1 status", async () => {
    const body = await expectJson(call("/health"), 200);
    expect(body).toMatchObject({ status: "ok", d1: "ok" });
  });
  it("answers unknown routes with a problem document", async () => {
    const res = await call("/api/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });
});
