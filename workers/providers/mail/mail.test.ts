import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { invitationMail } from "../../domain/mail/templates";
import { createDb } from "../../storage/db";
import { reposOf } from "../../storage/repos";
import { chooseMailer } from ".";
import type { SendEmailBinding } from "./cloudflare";

const mail = { tenantId: null, to: "a@example.test", subject: "Hi", text: "hi", html: "<p>hi</p>", headers: {} };

describe("chooseMailer", () => {
  it("uses the send_email binding when declared, with the builder fields of Email Service's send()", async () => {
    const sent: Parameters<SendEmailBinding["send"]>[0][] = [];
    const EMAIL: SendEmailBinding = { send: async (m) => (sent.push(m), { messageId: "<cf-1@example.test>" }) };
    const mailer = chooseMailer({ EMAIL, MAIL_FROM: "support@echo.example" }, reposOf(createDb(env.DB)), {
      origin: "https://echo.example",
      now: Date.now,
    });
    expect(mailer.kind).toBe("cloudflare");
    await expect(mailer.send(mail)).resolves.toEqual({ messageId: "<cf-1@example.test>" });
    expect(sent).toEqual([
      {
        from: { email: "support@echo.example", name: "Echo" },
        to: "a@example.test",
        subject: "Hi",
        text: "hi",
        html: "<p>hi</p>",
        headers: undefined,
      },
    ]);
    // production mail (it carries one-time tokens) is not copied into D1
    expect(
      await env.DB.prepare("select count(*) n from outbox where to_addr = ?").bind("a@example.test").first("n"),
    ).toBe(0);
  });

  it("falls back to the outbox table without the binding", async () => {
    const mailer = chooseMailer({}, reposOf(createDb(env.DB)), { origin: "http://localhost:8787", now: Date.now });
    expect(mailer.kind).toBe("outbox");
    const { messageId } = await mailer.send({ ...mail, to: "b@example.test" });
    expect(messageId).toMatch(/^<mail_[0-9a-z]+@localhost>$/);
    const row = await env.DB.prepare("select * from outbox where to_addr = ?").bind("b@example.test").first();
    expect(row).toMatchObject({ subject: "Hi", message_id: messageId, tenant_id: null });
  });
});

describe("mail templates", () => {
  it("escape workspace names in the HTML part", () => {
    const m = invitationMail({
      workspace: "<script>x</script>",
      role: "agent",
      link: "http://e/app/accept?token=inv_1&a=b",
      expiresDays: 7,
    });
    expect(m.html).not.toContain("<script>");
    expect(m.html).toContain("&lt;script&gt;");
    expect(m.html).toContain('href="http://e/app/accept?token=inv_1&amp;a=b"');
    expect(m.text).toContain("http://e/app/accept?token=inv_1&a=b");
  });
});
