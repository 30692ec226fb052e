import { describe, expect, it } from "vitest";
import { call, expectJson, makeTenant } from "../test/fixtures";

describe("bots", () => {
  it("creates, lists, updates and deletes a bot with theme, origins and a publishable key", async () => {
    const t = await makeTenant();
    const b = await expectJson(
      call("/api/bots", {
        method: "POST",
        token: t.token,
        json: {
          name: "Sales",
          greeting: "Hello!",
          theme: { primaryColor: "#112233", position: "bottom-left" },
          allowedOrigins: ["https://shop.example.com/"],
        },
      }),
      201,
    );
    expect(b).toMatchObject({
      name: "Sales",
      greeting: "Hello!",
      theme: { primaryColor: "#112233", position: "bottom-left", textColor: "#ffffff" },
      allowedOrigins: ["https://shop.example.com"],
    });
    expect(b.publishableKey).toMatch(/^pk_[0-9a-z]{32}$/);
    expect(JSON.stringify(b)).not.toContain("secret");
    const patched = await expectJson(
      call(`/api/bots/${b.id}`, {
        method: "PATCH",
        token: t.token,
        json: { theme: { mode: "dark" }, settings: { confidenceThreshold: 0.5 } },
      }),
      200,
    );
    expect(patched.theme).toMatchObject({ primaryColor: "#112233", mode: "dark" });
    expect(patched.settings.confidenceThreshold).toBe(0.5);
    const secret = await expectJson(call(`/api/bots/${b.id}/secret`, { token: t.token }), 200);
    expect(secret.secret).toHaveLength(40);
    const del = await call(`/api/bots/${b.id}`, { method: "DELETE", token: t.token });
    expect(del.status).toBe(204);
    await expectJson(call(`/api/bots/${b.id}`, { token: t.token }), 404);
  });

  it("rejects invalid input with the failing fields and writes nothing", async () => {
    const t = await makeTenant();
    const res = await expectJson(
      call("/api/bots", {
        method: "POST",
        token: t.token,
        json: {
          name: "",
          theme: { primaryColor: "red" },
          allowedOrigins: ["javascript:alert(1)", "https://ok.example/path"],
        },
      }),
      400,
    );
    expect(res.code).toBe("INVALID_REQUEST");
    const paths = res.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(["name", "theme.primaryColor", "allowedOrigins.0", "allowedOrigins.1"]),
    );
    const list = await expectJson(call("/api/bots", { token: t.token }), 200);
    expect(list.data).toHaveLength(1);
  });
});
