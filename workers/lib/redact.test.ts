import { describe, expect, it } from "vitest";
import { redactPath } from "./redact";

describe("redactPath", () => {
  const token = "vlt_weZSABdgYEUMJJHuX5kxcalBKNaZ6uXLwwnnZF-z_qc";

  it("cuts a voice capability token in a path to a short prefix", () => {
    const out = redactPath(`/hooks/voice/vapi/vint_1/llm/${token}/chat/completions`);
    expect(out).toBe("/hooks/voice/vapi/vint_1/llm/vlt_weZS…/chat/completions");
    expect(out).not.toContain(token);
    expect(redactPath(`/hooks/voice/retell/vint_1/llm/${token}/call-7`)).toBe(
      "/hooks/voice/retell/vint_1/llm/vlt_weZS…/call-7",
    );
  });

  it("cuts credentials in the query of widget, socket and upload URLs", () => {
    expect(redactPath("/api/widget/ws?token=eyJhbGciOiJIUzI1NiJ9.payload.sig&v=1")).toBe(
      "/api/widget/ws?token=eyJhbGci…&v=1",
    );
    expect(redactPath("https://echo.test/api/widget/attachments/att_1/upload?sig=abcdefghijklmnop")).toBe(
      "https://echo.test/api/widget/attachments/att_1/upload?sig=abcdefgh…",
    );
    expect(redactPath("/api/inbox/ws?TOKEN=sk_live_1234567890")).toBe("/api/inbox/ws?TOKEN=sk_live_…");
  });

  it("leaves paths without capabilities as they are", () => {
    for (const p of ["/api/conversations/conv_1/messages", "/hooks/voice/vapi/vint_1", "/api/x?page=2", "/"])
      expect(redactPath(p)).toBe(p);
  });
});
