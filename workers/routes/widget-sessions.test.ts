import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hmac, toHex } from "../lib/crypto";
import { roomStub } from "../rooms/room-stub";
import { joinOperator, joinVisitor, newSession, openSocket } from "../rooms/test-client";
import { call, eventually, expectJson, makeTenant } from "../test/fixtures";

async function identityFor(t: { token: string; botId: string }, userId: string, expiresAt: number) {
  const { secret } = await expectJson(call(`/api/bots/${t.botId}/secret`, { token: t.token }), 200);
  return { userId, expiresAt, hash: toHex(await hmac("SHA-256", secret, `${userId}:${expiresAt}`)) };
}

const later = () => Math.floor(Date.now() / 1000) + 600;

describe("POST /api/widget/sessions", () => {
  it("creates a conversation and returns token, wsUrl, visitor token and the bot's public settings", async () => {
    const t = await makeTenant();
    const s = await newSession(t, { visitor: { name: "Vera", email: "vera@example.test", locale: "en-GB" } });
    expect(s.conversationId).toMatch(/^conv_/);
    expect(s.wsUrl).toBe(`ws://echo.test/api/widget/ws?token=${encodeURIComponent(s.token)}`);
    expect(s.visitorToken).toMatch(/^vt_/);
    expect(s.resumed).toBe(false);
    expect(Object.keys(s.bot).sort()).toEqual(["avatar", "greeting", "id", "name", "poweredBy", "settings", "theme"]);
    expect(s.bot.avatar).toEqual({ enabled: false, model: null });
    // billing off (the fixtures' env) locks no feature: white-label, so no "Powered by Echo" mark
    expect(s.bot.poweredBy).toBeNull();
    const conv = await expectJson(call(`/api/conversations/${s.conversationId}`, { token: t.token }), 200);
    expect(conv).toMatchObject({
      botId: t.botId,
      channel: "chat",
      status: "open",
      mode: "ai",
      visitor: { name: "Vera", email: "vera@example.test" },
    });
    expect(JSON.stringify(conv)).not.toContain(s.visitorToken);
  });

  it("resumes only with the visitor token of that conversation and bot; anything else is 404", async () => {
    const t = await makeTenant();
    const other = await makeTenant("Other");
    const s = await newSession(t);
    const r = await newSession(t, { conversationId: s.conversationId, visitorToken: s.visitorToken });
    expect(r).toMatchObject({ conversationId: s.conversationId, resumed: true, visitorToken: s.visitorToken });
    const stranger = await newSession(t);
    for (const body of [
      { conversationId: s.conversationId },
      { conversationId: s.conversationId, visitorToken: stranger.visitorToken },
      { conversationId: "conv_0000000000000000000000nope" },
    ]) {
      const res = await expectJson(
        call("/api/widget/sessions", { method: "POST", json: { botKey: t.botKey, ...body } }),
        404,
      );
      expect(res.code).toBe("NOT_FOUND");
    }
    // another tenant's bot key cannot resume it, even with the right visitor token
    await expectJson(
      call("/api/widget/sessions", {
        method: "POST",
        json: { botKey: other.botKey, conversationId: s.conversationId, visitorToken: s.visitorToken },
      }),
      404,
    );
  });

  it("merges details the visitor gives later (identify, email capture) into the resumed conversation", async () => {
    const t = await makeTenant();
    const s = await newSession(t, { visitor: { name: "Vera", metadata: { plan: "free" } } });
    const resume = { conversationId: s.conversationId, visitorToken: s.visitorToken };
    const r = await newSession(t, {
      ...resume,
      visitor: { email: "vera@example.test", metadata: { page: "/pricing" } },
    });
    expect(r.resumed).toBe(true);
    const conv = await eventually(
      () => expectJson(call(`/api/conversations/${s.conversationId}`, { token: t.token }), 200),
      (c) => c.visitor.email === "vera@example.test",
    );
    expect(conv.visitor).toEqual({
      name: "Vera",
      email: "vera@example.test",
      metadata: { plan: "free", page: "/pricing" },
    });
    // an unverified session cannot claim a user id: the field is not even accepted
    const claim = await expectJson(
      call("/api/widget/sessions", {
        method: "POST",
        json: { botKey: t.botKey, ...resume, visitor: { userId: "admin" } },
      }),
      400,
    );
    expect(claim.code).toBe("INVALID_REQUEST");
    // a bad resume changes nothing
    await expectJson(
      call("/api/widget/sessions", {
        method: "POST",
        json: {
          botKey: t.botKey,
          conversationId: s.conversationId,
          visitorToken: "vt_wrong_token_0000000000",
          visitor: { email: "evil@example.test" },
        },
      }),
      404,
    );
    const after = await expectJson(call(`/api/conversations/${s.conversationId}`, { token: t.token }), 200);
    expect(after.visitor.email).toBe("vera@example.test");
  });

  it("verifies identity hashes: valid makes a verified visitor who can resume by user id; bad or expired is 401", async () => {
    const t = await makeTenant();
    const identity = await identityFor(t, "user-42", later());
    const s = await newSession(t, { identity });
    const conv = await expectJson(call(`/api/conversations/${s.conversationId}`, { token: t.token }), 200);
    expect(conv.visitor).toMatchObject({ userId: "user-42", verified: true });
    const resumed = await newSession(t, { identity, conversationId: s.conversationId });
    expect(resumed.resumed).toBe(true);
    const bad = { ...identity, hash: identity.hash.replace(/^./, (c) => (c === "0" ? "1" : "0")) };
    await expectJson(call("/api/widget/sessions", { method: "POST", json: { botKey: t.botKey, identity: bad } }), 401);
    const expired = await identityFor(t, "user-42", Math.floor(Date.now() / 1000) - 5);
    await expectJson(
      call("/api/widget/sessions", { method: "POST", json: { botKey: t.botKey, identity: expired } }),
      401,
    );
    const otherUser = await identityFor(t, "user-43", later());
    await expectJson(
      call("/api/widget/sessions", {
        method: "POST",
        json: { botKey: t.botKey, identity: otherUser, conversationId: s.conversationId },
      }),
      404,
    );
  });

  it("checks the bot's allowed origins and answers CORS", async () => {
    const t = await makeTenant();
    await expectJson(
      call(`/api/bots/${t.botId}`, {
        method: "PATCH",
        token: t.token,
        json: { allowedOrigins: ["https://shop.example"] },
      }),
      200,
    );
    const ok = await call("/api/widget/sessions", {
      method: "POST",
      json: { botKey: t.botKey },
      headers: { origin: "https://shop.example" },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    const refused = await call("/api/widget/sessions", {
      method: "POST",
      json: { botKey: t.botKey },
      headers: { origin: "https://evil.example" },
    });
    expect(refused.status).toBe(403);
    const pre = await call("/api/widget/sessions", {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");

    // the socket checks the page's origin too: a token lifted from the page is no use elsewhere
    const s = (await ok.json()) as { token: string };
    const path = `/api/widget/ws?token=${encodeURIComponent(s.token)}`;
    const good = await openSocket(path, { origin: "https://shop.example" });
    good.send({ type: "hello", lastSeq: 0 });
    await good.waitFor((f) => f.type === "ready");
    good.close();
    const evil = await openSocket(path, { origin: "https://evil.example" });
    expect(await evil.waitFor((f) => f.type === "error")).toMatchObject({ code: "FORBIDDEN" });
    expect(await evil.waitClose()).toMatchObject({ code: 1008 });
  });

  it("rejects invalid input with 400 and field errors, and unknown keys with 401", async () => {
    const t = await makeTenant();
    const bad = await expectJson(call("/api/widget/sessions", { method: "POST", json: { botKey: "nope" } }), 400);
    expect(bad.errors[0].path).toBe("botKey");
    const extra = await expectJson(
      call("/api/widget/sessions", { method: "POST", json: { botKey: t.botKey, admin: true } }),
      400,
    );
    expect(extra.code).toBe("INVALID_REQUEST");
    await expectJson(
      call("/api/widget/sessions", { method: "POST", json: { botKey: t.botKey, visitor: { email: "not-an-email" } } }),
      400,
    );
    await expectJson(
      call("/api/widget/sessions", { method: "POST", json: { botKey: "pk_unknownunknownunknownunknown00" } }),
      401,
    );
  });
});

describe("attachments", () => {
  async function upload(url: string, bytes: Uint8Array<ArrayBuffer>, type: string) {
    const form = new FormData();
    form.set("file", new File([bytes], "x", { type }));
    return call(url.replace("http://echo.test", ""), { method: "POST", body: form });
  }

  it("signed upload URL → R2 → a message carrying it; limits on type, size, signature; tenant-scoped download", async () => {
    const t = await makeTenant();
    const other = await makeTenant("Other");
    const s = await newSession(t);
    const auth = { authorization: `Bearer ${s.token}` };
    await expectJson(
      call("/api/widget/attachments", {
        method: "POST",
        headers: auth,
        json: { name: "a.html", type: "text/html", size: 10 },
      }),
      400,
    );
    await expectJson(
      call("/api/widget/attachments", {
        method: "POST",
        headers: auth,
        json: { name: "big.pdf", type: "application/pdf", size: 50 * 1024 * 1024 },
      }),
      400,
    );
    await expectJson(
      call("/api/widget/attachments", { method: "POST", json: { name: "a.png", type: "image/png", size: 10 } }),
      401,
    );

    const ticket = await expectJson(
      call("/api/widget/attachments", {
        method: "POST",
        headers: auth,
        json: { name: "screen shot.png", type: "image/png", size: 8 },
      }),
      201,
    );
    expect(ticket).toMatchObject({ id: expect.stringMatching(/^att_/), maxBytes: 8, field: "file" });
    expect((await upload(ticket.uploadUrl, new Uint8Array(9), "image/png")).status).toBe(413);
    expect((await upload(ticket.uploadUrl, new Uint8Array(8), "application/pdf")).status).toBe(415);
    expect(
      (await upload(ticket.uploadUrl.replace(/sig=[^&]+/, "sig=forged"), new Uint8Array(8), "image/png")).status,
    ).toBe(401);

    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "early", text: "", attachments: [ticket.id] });
    expect(await v.waitFor((f) => f.type === "error")).toMatchObject({ code: "UNKNOWN_ATTACHMENT" });

    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
    const stored = await expectJson(upload(ticket.uploadUrl, png, "image/png"), 201);
    expect(stored).toEqual({ id: ticket.id, name: "screen shot.png", type: "image/png", size: 8 });
    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "takeover" });
    await v.waitFor((f) => f.type === "mode");
    v.send({ type: "msg", cid: "with-file", text: "here is the error", attachments: [ticket.id] });
    const msg = await v.waitFor((f) => f.type === "msg" && f.cid === "with-file");
    expect(msg.attachments).toEqual([{ id: ticket.id, name: "screen shot.png", type: "image/png", size: 8 }]);
    // an attachment goes out once
    v.send({ type: "msg", cid: "again", text: "again", attachments: [ticket.id] });
    await v.next((f) => f.type === "error" && f.code === "UNKNOWN_ATTACHMENT");

    const dl = await call(`/api/conversations/${s.conversationId}/attachments/${ticket.id}`, { token: t.token });
    expect(dl.status).toBe(200);
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(png);
    expect(dl.headers.get("content-type")).toBe("image/png");
    expect((await call(`/api/widget/attachments/${ticket.id}?token=${encodeURIComponent(s.token)}`)).status).toBe(200);
    expect(
      (await call(`/api/conversations/${s.conversationId}/attachments/${ticket.id}`, { token: other.token })).status,
    ).toBe(404);
    const stranger = await newSession(t);
    expect(
      (await call(`/api/widget/attachments/${ticket.id}?token=${encodeURIComponent(stranger.token)}`)).status,
    ).toBe(404);
    const msgs = await roomStub(env.CONVERSATION_ROOM, t.tenantId, s.conversationId).messages(0);
    expect(msgs.filter((m) => m.attachments?.length)).toHaveLength(1);
    v.close();
    op.close();
  });
});
