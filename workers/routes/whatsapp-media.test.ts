import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setEgressTransport } from "../lib/egress";
import { roomStub } from "../rooms/room-stub";
import { call, expectJson, makeTenant } from "../test/fixtures";
import { connectWhatsApp, GRAPH, graphServer, inbound, now, postHook, TOKEN } from "../test/whatsapp-meta";

vi.setConfig({ testTimeout: 30_000 });

/**
 * Inbound WhatsApp media: the webhook's media id is resolved through the Graph API
 * (`GET /{media-id}` → a download URL), the file is downloaded with the bearer token through the
 * egress policy into R2, and the visitor's message carries it as an attachment that the
 * conversation's attachment route serves to the tenant's operators only.
 */

let restore: (() => void) | undefined;
afterEach(() => restore?.());

const LOOKASIDE = "https://lookaside.whatsapp.test/whatsapp_business/attachments";
const bytes = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(new TextEncoder().encode(s));
const hex = async (b: Uint8Array<ArrayBuffer>) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", b))].map((x) => x.toString(16).padStart(2, "0")).join("");

/** A media object Meta would answer for `id`, and its download. */
async function media(id: string, type: string, content: Uint8Array<ArrayBuffer>, over: Record<string, unknown> = {}) {
  const url = `${LOOKASIDE}/?mid=${id}`;
  return {
    [`${GRAPH}/${id}`]: () =>
      Response.json({
        messaging_product: "whatsapp",
        url,
        mime_type: type,
        sha256: "",
        file_size: String(content.byteLength),
        id,
        ...over,
      }),
    [url]: () => new Response(content, { headers: { "content-type": type } }),
  };
}

const contactConversation = (channelId: string, waId: string) =>
  env.DB.prepare("select conversation_id from whatsapp_contacts where channel_id = ? and wa_id = ?")
    .bind(channelId, waId)
    .first<string>("conversation_id");

describe("WhatsApp media", () => {
  it("stores an image, a document and a voice note in R2 as message attachments operators download", async () => {
    const jpeg = bytes("\xff\xd8\xff fake jpeg bytes");
    const pdf = bytes("%PDF-1.7 fake pdf");
    const ogg = bytes("OggS fake opus");
    const graph = graphServer({
      ...(await media("1001", "image/jpeg", jpeg, { sha256: await hex(jpeg) })),
      ...(await media("1002", "application/pdf", pdf)),
      ...(await media("1003", "audio/ogg; codecs=opus", ogg)),
    });
    restore = setEgressTransport(graph.transport);
    const t = await makeTenant("WaMedia");
    const ch = await connectWhatsApp(t);
    const wa = "16315551181";
    const res = await expectJson(
      postHook(
        ch.id,
        inbound(wa, [
          {
            from: wa,
            id: "wamid.IMG1",
            timestamp: String(now() - 3),
            type: "image",
            image: { id: "1001", mime_type: "image/jpeg", sha256: "x", caption: "the broken part" },
          },
          {
            from: wa,
            id: "wamid.DOC1",
            timestamp: String(now() - 2),
            type: "document",
            document: { id: "1002", mime_type: "application/pdf", filename: "../../invoice 42.pdf" },
          },
          {
            from: wa,
            id: "wamid.AUD1",
            timestamp: String(now() - 1),
            type: "audio",
            audio: { id: "1003", mime_type: "audio/ogg; codecs=opus", voice: true },
          },
        ]),
      ),
      200,
    );
    expect(res).toMatchObject({ messages: 3 });
    // both legs carried the channel's bearer token, the metadata read first
    const reads = graph.calls.filter((c) => c.method === "GET");
    expect(reads.map((c) => c.url)).toEqual([
      `${GRAPH}/1001`,
      `${LOOKASIDE}/?mid=1001`,
      `${GRAPH}/1002`,
      `${LOOKASIDE}/?mid=1002`,
      `${GRAPH}/1003`,
      `${LOOKASIDE}/?mid=1003`,
    ]);
    expect(new Set(reads.map((c) => c.auth))).toEqual(new Set([`Bearer ${TOKEN}`]));

    const conv = (await contactConversation(ch.id, wa))!;
    const visitor = (await roomStub(env.CONVERSATION_ROOM, t.tenantId, conv).messages()).filter(
      (m) => m.role === "visitor",
    );
    expect(visitor.map((m) => m.text)).toEqual([
      "[image] the broken part",
      "[document] ../../invoice 42.pdf",
      "[audio]",
    ]);
    expect(
      visitor.map((m) => m.attachments?.[0] && { name: m.attachments[0].name, type: m.attachments[0].type }),
    ).toEqual([
      { name: "whatsapp-image.jpg", type: "image/jpeg" },
      { name: "invoice 42.pdf", type: "application/pdf" },
      { name: "whatsapp-audio.ogg", type: "audio/ogg" },
    ]);

    // the operator's download route serves the bytes; the D1 copy lists the attachment too
    const [img, doc] = visitor.map((m) => m.attachments![0]!);
    const got = await call(`/api/conversations/${conv}/attachments/${img!.id}`, { token: t.token });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/jpeg");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(jpeg);
    const pdfRes = await call(`/api/conversations/${conv}/attachments/${doc!.id}`, { token: t.token });
    expect(pdfRes.headers.get("content-disposition")).toContain("invoice%2042.pdf");
    expect(new Uint8Array(await pdfRes.arrayBuffer())).toEqual(pdf);

    // another workspace cannot read it, not even with the right ids
    const other = await makeTenant("WaMediaOther");
    expect((await call(`/api/conversations/${conv}/attachments/${img!.id}`, { token: other.token })).status).toBe(404);
  });

  it("refuses types and sizes over the limits, before or during the download, and keeps the message with a note", async () => {
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    const graph = graphServer({
      // declares a size over the image limit: never downloaded
      ...(await media("2001", "image/png", bytes("png"), { file_size: String(6 * 1024 * 1024) })),
      // declares a small size but sends more than the limit: the egress cap stops it
      ...(await media("2002", "image/png", big, { file_size: "10" })),
      // Meta says it is a type we do not accept
      ...(await media("2003", "image/svg+xml", bytes("<svg/>"))),
      // the checksum does not match the bytes
      ...(await media("2004", "image/png", bytes("png"), { sha256: "0".repeat(64) })),
    });
    restore = setEgressTransport(graph.transport);
    const t = await makeTenant("WaMediaLimits");
    const ch = await connectWhatsApp(t);
    const wa = "4915112345678";
    const img = (id: string, mediaId: string, mime: string, ts: number) => ({
      from: wa,
      id,
      timestamp: String(ts),
      type: "image",
      image: { id: mediaId, mime_type: mime },
    });
    await expectJson(
      postHook(
        ch.id,
        inbound(wa, [
          img("wamid.L1", "2001", "image/png", now() - 5),
          img("wamid.L2", "2002", "image/png", now() - 4),
          img("wamid.L3", "2003", "image/png", now() - 3),
          img("wamid.L4", "2004", "image/png", now() - 2),
          // declared by the webhook as an unaccepted type: not even looked up
          img("wamid.L5", "2005", "image/tiff", now() - 1),
        ]),
      ),
      200,
    );
    const conv = (await contactConversation(ch.id, wa))!;
    const visitor = (await roomStub(env.CONVERSATION_ROOM, t.tenantId, conv).messages()).filter(
      (m) => m.role === "visitor",
    );
    expect(visitor.map((m) => m.attachments)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(visitor.map((m) => m.text)).toEqual([
      "[image] (the file was not stored: the file is over the 5 MiB limit)",
      "[image] (the file was not stored: the file is over the 5 MiB limit)",
      "[image] (the file was not stored: image/svg+xml files are not accepted)",
      "[image] (the file was not stored: the file does not match its checksum)",
      "[image] (the file was not stored: image/tiff files are not accepted)",
    ]);
    const urls = graph.calls.filter((c) => c.method === "GET").map((c) => c.url);
    expect(urls).not.toContain(`${LOOKASIDE}/?mid=2001`);
    expect(urls).not.toContain(`${LOOKASIDE}/?mid=2003`);
    expect(urls.some((u) => u.includes("2005"))).toBe(false);
    // nothing of them reached R2
    const listed = await env.FILES.list({ prefix: `conversations/${t.tenantId}/${conv}/` });
    expect(listed.objects).toEqual([]);
  });
});
