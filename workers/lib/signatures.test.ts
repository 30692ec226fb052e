import { describe, expect, it } from "vitest";
import { hmac, toHex } from "./crypto";
import {
  sign,
  verifyElevenLabs,
  verifyHubSignature256,
  verifyRetell,
  verifySharedSecret,
  verifyStripe,
  verifyTwilio,
  verifyVapiHmac,
} from "./signatures";

// Published vectors: shared/reference/protocols.md (sources: twilio-node spec/validation.spec.js,
// retell-typescript-sdk tests/webhook-auth.test.ts, WhatsApp-Nodejs-SDK utils.test.ts,
// stripe-node test/crypto/helpers.ts, and the derived ElevenLabs/Stripe headers).

describe("verifyTwilio (twilio-node vectors)", () => {
  const token = "12345";
  const P = {
    CallSid: "CA1234567890ABCDE",
    Caller: "+14158675309",
    Digits: "1234",
    From: "+14158675309",
    To: "+18005551212",
  };
  const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  const cases: [string, string, Record<string, string | string[]>, string][] = [
    ["plain", url, P, "RSOYDt4T1cUTdK1PDd93/VVr8B8="],
    ["https with a port, stripped", url.replace(".com", ".com:1234"), P, "RSOYDt4T1cUTdK1PDd93/VVr8B8="],
    ["signed with :443, request without port", url, P, "kvajT1Ptam85bY51eRf/AJRuM3w="],
    ["signed with :80, http request without port", url.replace("https", "http"), P, "0ZXoZLH/DfblKGATFgpif+LLRf4="],
    [
      "http with port 1234",
      url.replace("https", "http").replace(".com", ".com:1234"),
      P,
      "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=",
    ],
    ["credentials", "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", P, "CukzLTc1tT5dXEDIHm/tKBanW10="],
    ["credentials + :443", "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", P, "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="],
    ["username only", "https://user@mycompany.com/myapp.php?foo=1&bar=2", P, "2YRLlVAflCqxaNicjMpJcSTgzSs="],
    ["special characters, WHATWG form", `${url}&Body=It's+amazing`, P, "TfZzewPq8wqrGlMfyAud8+/IvJ0="],
    ["special characters, literal form", `${url}&Body=It's+amazing`, P, "dsq4Ehbj6cs+KdTkpF5sSSplOWw="],
    [
      "array parameter",
      url,
      { "MessagingBinding.Address": ["+1325xxxxxxx", "+1415xxxxxxx"] },
      "83O6e2vORAoJHUNzJjDWN1jz+BA=",
    ],
    [
      "array parameter, other order",
      url,
      { "MessagingBinding.Address": ["+1415xxxxxxx", "+1325xxxxxxx"] },
      "83O6e2vORAoJHUNzJjDWN1jz+BA=",
    ],
    [
      "dedupe + sort values",
      url,
      { Sid: "CA123", SidAccount: "AC123", Digits: ["5678", "1234", "1234"] },
      "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
    ],
  ];
  for (const [name, u, params, sig] of cases) {
    it(`accepts: ${name}`, async () => {
      expect(await verifyTwilio({ authToken: token, url: u, params, header: sig })).toEqual({ ok: true });
    });
  }

  const body = '{"property": "value", "boolean": true}';
  const bodyHash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
  it("accepts the JSON-body variant (bodySHA256 in the URL)", async () => {
    expect(
      await verifyTwilio({
        authToken: token,
        url: `${url}&bodySHA256=${bodyHash}`,
        rawBody: body,
        header: "a9nBmqA0ju/hNViExpshrM61xv4=",
      }),
    ).toEqual({ ok: true });
    expect(
      await verifyTwilio({
        authToken: token,
        url: `https://mycompany.com/myapp.php?bodySHA256=${bodyHash}`,
        rawBody: body,
        header: "y77kIzt2vzLz71DgmJGsen2scGs=",
      }),
    ).toEqual({ ok: true });
  });
  it("accepts the empty JSON body through the :443 fallback", async () => {
    const h = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    expect(
      await verifyTwilio({
        authToken: token,
        url: `${url}&bodySHA256=${h}`,
        rawBody: "{}",
        header: "Ldidvp12m26NI7eqEvxnEpkd9Hc=",
      }),
    ).toEqual({ ok: true });
  });
  it("refuses a tampered JSON body", async () => {
    expect(
      await verifyTwilio({
        authToken: token,
        url: `${url}&bodySHA256=${bodyHash}`,
        rawBody: body.replace("value", "valuE"),
        header: "a9nBmqA0ju/hNViExpshrM61xv4=",
      }),
    ).toEqual({ ok: false, reason: "mismatch" });
  });
  it("refuses tampered params, a wrong token, another URL and a missing header", async () => {
    const sig = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    expect(await verifyTwilio({ authToken: token, url, params: { ...P, Digits: "1235" }, header: sig })).toMatchObject({
      ok: false,
      reason: "mismatch",
    });
    expect(await verifyTwilio({ authToken: "54321", url, params: P, header: sig })).toMatchObject({
      ok: false,
      reason: "mismatch",
    });
    expect(
      await verifyTwilio({ authToken: token, url: `${url}&somethingUnexpected=true`, params: P, header: sig }),
    ).toMatchObject({ ok: false });
    expect(await verifyTwilio({ authToken: token, url, params: P, header: undefined })).toEqual({
      ok: false,
      reason: "missing",
    });
    expect(await verifyTwilio({ authToken: token, url, params: P, header: "WRONG_SIGNATURE" })).toMatchObject({
      ok: false,
    });
  });
  it("round-trips with sign.twilio", async () => {
    const header = await sign.twilio("tok", "https://h.example/hooks/voice/twilio/x", { CallSid: "CA1" });
    expect(
      await verifyTwilio({
        authToken: "tok",
        url: "https://h.example/hooks/voice/twilio/x",
        params: { CallSid: "CA1" },
        header,
      }),
    ).toEqual({ ok: true });
  });
});

describe("verifyRetell (retell-sdk vector)", () => {
  const body = '{"event":"call_ended"}';
  const header = "v=1700000000000,d=07024cabe7dd8f6d1c6e4a8324ca92c812e6ad4a7ee506c04f7e462e3321823e";
  it("accepts the published vector at its timestamp and at the tolerance edge", async () => {
    expect(await verifyRetell({ apiKey: "test-api-key", rawBody: body, header, nowMs: 1700000000000 })).toEqual({
      ok: true,
      timestampMs: 1700000000000,
    });
    expect(
      (await verifyRetell({ apiKey: "test-api-key", rawBody: body, header, nowMs: 1700000000000 + 300000 })).ok,
    ).toBe(true);
  });
  it("refuses stale and future timestamps past 5 minutes", async () => {
    expect(
      await verifyRetell({ apiKey: "test-api-key", rawBody: body, header, nowMs: 1700000000000 + 300001 }),
    ).toEqual({ ok: false, reason: "stale" });
    expect(
      await verifyRetell({ apiKey: "test-api-key", rawBody: body, header, nowMs: 1700000000000 - 300001 }),
    ).toEqual({ ok: false, reason: "stale" });
  });
  it("refuses a tampered body and a wrong key", async () => {
    expect(
      await verifyRetell({ apiKey: "test-api-key", rawBody: '{"event":"call_ended" }', header, nowMs: 1700000000000 }),
    ).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyRetell({ apiKey: "other-key", rawBody: body, header, nowMs: 1700000000000 })).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });
  it("refuses malformed headers", async () => {
    for (const h of [
      "",
      "v=1700000000000",
      "d=07024cabe7dd8f6d1c6e4a8324ca92c812e6ad4a7ee506c04f7e462e3321823e,v=1700000000000",
      `x${header}`,
      `${header}x`,
      header.slice(0, -2),
      header.replace("d=0", "d=g"),
      "v=99999999999999999999,d=" + "0".repeat(64),
    ]) {
      expect(
        (await verifyRetell({ apiKey: "test-api-key", rawBody: body, header: h, nowMs: 1700000000000 })).ok,
        h,
      ).toBe(false);
    }
  });
});

describe("verifyHubSignature256 (WhatsApp SDK vector)", () => {
  it("accepts the published vector", async () => {
    expect(
      await verifyHubSignature256({
        secret: "TEST_APP_SECRET",
        rawBody: "test",
        header: "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221",
      }),
    ).toEqual({ ok: true });
  });
  it("refuses a tampered body, a wrong secret and a bare hex value", async () => {
    const header = "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221";
    expect(await verifyHubSignature256({ secret: "TEST_APP_SECRET", rawBody: "tesT", header })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(await verifyHubSignature256({ secret: "OTHER", rawBody: "test", header })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(
      await verifyHubSignature256({ secret: "TEST_APP_SECRET", rawBody: "test", header: header.slice(7) }),
    ).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("verifyStripe", () => {
  it("matches stripe-node's fixed HMAC primitives", async () => {
    expect(toHex(await hmac("SHA-256", "test_secret", ""))).toBe(
      "f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd",
    );
    expect(toHex(await hmac("SHA-256", "test_secret", '{"obj1":"hello","obj2":"world"}'))).toBe(
      "bebb1a643997f419b315ddba19e6f5411e1ce7f810ba6d3617ce72823092f363",
    );
    expect(toHex(await hmac("SHA-256", "test_secret", "\u{1F600}"))).toBe(
      "837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43",
    );
  });
  const payload = JSON.stringify({ id: "evt_test_webhook", object: "event" }, null, 2);
  const header = "t=1700000000,v1=4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150";
  it("accepts the derived full header inside the tolerance", async () => {
    expect(
      await verifyStripe({ secret: "whsec_test_secret", rawBody: payload, header, nowMs: 1700000000000 + 299_000 }),
    ).toEqual({ ok: true, timestampMs: 1700000000000 });
  });
  it("accepts when any of several v1 values matches (secret rotation)", async () => {
    expect(
      (
        await verifyStripe({
          secret: "whsec_test_secret",
          rawBody: payload,
          header: `t=1700000000,v1=${"0".repeat(64)},v1=4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150`,
          nowMs: 1700000000000,
        })
      ).ok,
    ).toBe(true);
  });
  it("refuses a stale timestamp, a tampered body, a wrong secret and a header without v1", async () => {
    expect(
      await verifyStripe({ secret: "whsec_test_secret", rawBody: payload, header, nowMs: 1700000000000 + 301_000 }),
    ).toEqual({ ok: false, reason: "stale" });
    expect(
      await verifyStripe({
        secret: "whsec_test_secret",
        rawBody: payload.replace("event", "evenT"),
        header,
        nowMs: 1700000000000,
      }),
    ).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyStripe({ secret: "whsec_other", rawBody: payload, header, nowMs: 1700000000000 })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(
      await verifyStripe({
        secret: "whsec_test_secret",
        rawBody: payload,
        header: "t=1700000000,v0=abc",
        nowMs: 1700000000000,
      }),
    ).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("verifyElevenLabs (derived vector)", () => {
  const body =
    '{"type":"post_call_transcription","event_timestamp":1739537297,"data":{"agent_id":"xyz","conversation_id":"abc"}}';
  const header = "t=1739537297,v0=2dc5c59d318f6a66c428e090d0d87b3792f5e27e187c450bc6797adf7cb573eb";
  it("accepts the vector with the clock fixed one second later", async () => {
    expect(await verifyElevenLabs({ secret: "webhook_secret", rawBody: body, header, nowMs: 1739537298000 })).toEqual({
      ok: true,
      timestampMs: 1739537297000,
    });
  });
  it("refuses it with the real clock (outside 30 minutes), a tampered body and a wrong secret", async () => {
    expect(await verifyElevenLabs({ secret: "webhook_secret", rawBody: body, header, nowMs: Date.now() })).toEqual({
      ok: false,
      reason: "stale",
    });
    expect(
      await verifyElevenLabs({
        secret: "webhook_secret",
        rawBody: body.replace("abc", "abd"),
        header,
        nowMs: 1739537298000,
      }),
    ).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyElevenLabs({ secret: "other_secret", rawBody: body, header, nowMs: 1739537298000 })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(
      await verifyElevenLabs({ secret: "webhook_secret", rawBody: body, header: "t=1739537297", nowMs: 1739537298000 }),
    ).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("verifyVapiHmac and verifySharedSecret", () => {
  it("round-trips the {timestamp}.{body} default and refuses stale, tampered and wrong-secret requests", async () => {
    const body = '{"message":{"type":"status-update"}}';
    const ts = "1700000000";
    const signature = await sign.vapiHmac("s3cret", body, ts);
    const base = { secret: "s3cret", rawBody: body, signature, timestamp: ts };
    expect((await verifyVapiHmac({ ...base, nowMs: 1700000001000 })).ok).toBe(true);
    expect(await verifyVapiHmac({ ...base, nowMs: 1700000000000 + 10 * 60_000 })).toEqual({
      ok: false,
      reason: "stale",
    });
    expect(await verifyVapiHmac({ ...base, rawBody: body + " ", nowMs: 1700000001000 })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(await verifyVapiHmac({ ...base, secret: "other", nowMs: 1700000001000 })).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });
  it("compares shared secrets exactly", () => {
    expect(verifySharedSecret({ secret: "abc", presented: "abc" })).toEqual({ ok: true });
    expect(verifySharedSecret({ secret: "abc", presented: "abd" })).toEqual({ ok: false, reason: "mismatch" });
    expect(verifySharedSecret({ secret: "abc", presented: "" })).toEqual({ ok: false, reason: "missing" });
  });
});
