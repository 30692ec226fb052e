import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { avatarGlb, packGlb } from "../../scripts/avatar-glb.mjs";
import { inspectGlb, MAX_AVATAR_MODEL_BYTES } from "../domain/bots/avatar-model";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * The 3D avatar model (issue 19) through the public API: upload a binary glTF to a bot, the widget
 * session names it only while the avatar is on, the widget route serves only the current model,
 * a replaced or removed model is gone from R2, refusals change nothing, roles and tenants hold.
 */

vi.setConfig({ testTimeout: 60_000 });

const put = (t: { token: string }, botId: string, bytes: Uint8Array<ArrayBuffer>, name = "head.glb") => {
  const form = new FormData();
  form.set("file", new File([bytes], name, { type: "model/gltf-binary" }));
  return call(`/api/bots/${botId}/avatar/model`, { method: "PUT", token: t.token, body: form });
};
const bot = (t: TestTenant, id = t.botId) => expectJson(call(`/api/bots/${id}`, { token: t.token }), 200);
const session = (t: TestTenant, key = t.botKey) =>
  expectJson(call("/api/widget/sessions", { method: "POST", json: { botKey: key } }), 200);
const stored = async (tenantId: string, botId: string) =>
  (await env.FILES.list({ prefix: `avatars/${tenantId}/${botId}/` })).objects.map((o) => o.key);
const path = (url: string) => new URL(url).pathname;

describe("inspectGlb", () => {
  it("reads a real model's clips and morph targets", () => {
    expect(inspectGlb(avatarGlb())).toEqual({ clips: ["happy", "thinking"], morphs: ["mouthOpen", "mouthSmile"] });
    expect(inspectGlb(avatarGlb({ clips: [] }))).toEqual({ clips: [], morphs: ["mouthOpen", "mouthSmile"] });
  });

  const mesh = { meshes: [{ primitives: [{ attributes: {} }] }] };
  it.each([
    ["a PNG", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, ...new Array(40).fill(0)]), /binary glTF/],
    [
      "glTF JSON (.gltf)",
      new TextEncoder().encode(JSON.stringify({ asset: { version: "2.0" } }).padEnd(40)),
      /binary glTF/,
    ],
    ["a truncated .glb", avatarGlb().slice(0, 4000), /truncated/],
    ["glTF 1.0", packGlb({ asset: { version: "1.0" }, ...mesh }), /2\.0/],
    [
      "an external buffer",
      packGlb({ asset: { version: "2.0" }, buffers: [{ uri: "https://cdn.example/b.bin", byteLength: 4 }], ...mesh }),
      /other files/,
    ],
    ["an external texture", packGlb({ asset: { version: "2.0" }, images: [{ uri: "face.png" }], ...mesh }), /textures/],
    [
      "Draco compression",
      packGlb({ asset: { version: "2.0" }, extensionsRequired: ["KHR_draco_mesh_compression"], ...mesh }),
      /KHR_draco_mesh_compression/,
    ],
    ["no mesh", packGlb({ asset: { version: "2.0" } }), /no mesh/],
    [
      "a JSON chunk that does not parse",
      (() => {
        const b = packGlb({ asset: { version: "2.0" }, ...mesh });
        b[20] = 0x7b + 1;
        return b;
      })(),
      /does not parse/,
    ],
  ])("refuses %s", (_, bytes, message) => {
    expect(() => inspectGlb(bytes)).toThrow(message);
  });
});

describe("PUT /api/bots/:id/avatar/model", () => {
  it("stores a model, serves it to the widget while the avatar is on, replaces and removes it", async () => {
    const t = await makeTenant();
    const glb = avatarGlb();
    const b = await expectJson(put(t, t.botId, glb), 200);
    expect(b.avatar).toMatchObject({
      enabled: false,
      model: { bytes: glb.length, name: "head.glb", clips: ["happy", "thinking"], morphs: ["mouthOpen", "mouthSmile"] },
    });
    const sha = b.avatar.model.sha256 as string;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(await stored(t.tenantId, t.botId)).toEqual([`avatars/${t.tenantId}/${t.botId}/${sha}.glb`]);
    // the avatar is off: the widget is not told of the model
    expect((await session(t)).bot.avatar).toEqual({ enabled: false, model: null });

    // turning the avatar on keeps the model; the session names it
    const on = await expectJson(
      call(`/api/bots/${t.botId}`, { method: "PATCH", token: t.token, json: { avatar: { enabled: true } } }),
      200,
    );
    expect(on.avatar.model.sha256).toBe(sha);
    const s = await session(t);
    expect(s.bot.avatar.enabled).toBe(true);
    expect(path(s.bot.avatar.model)).toBe(`/api/widget/avatars/${t.botKey}/${sha}.glb`);
    const got = await call(path(s.bot.avatar.model), { headers: { origin: "https://shop.example" } });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("model/gltf-binary");
    expect(got.headers.get("cache-control")).toContain("immutable");
    expect(got.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(glb);

    // a persona save (which sends the avatar switch) keeps the model too
    const p = await expectJson(
      call(`/api/bots/${t.botId}`, {
        method: "PATCH",
        token: t.token,
        json: { persona: { name: "Ada" }, avatar: { enabled: true } },
      }),
      200,
    );
    expect(p.avatar.model.sha256).toBe(sha);

    // replaced: the old file is gone from R2 and no longer served
    const other = avatarGlb({ clips: ["concerned"], color: [0.4, 0.6, 0.9] });
    const r = await expectJson(put(t, t.botId, other, "blue.glb"), 200);
    const sha2 = r.avatar.model.sha256 as string;
    expect(sha2).not.toBe(sha);
    expect(r.avatar.model.clips).toEqual(["concerned"]);
    expect(await stored(t.tenantId, t.botId)).toEqual([`avatars/${t.tenantId}/${t.botId}/${sha2}.glb`]);
    expect((await call(`/api/widget/avatars/${t.botKey}/${sha}.glb`)).status).toBe(404);
    expect((await call(`/api/widget/avatars/${t.botKey}/${sha2}.glb`)).status).toBe(200);

    // removed: the 2D face again, nothing left in R2
    const gone = await expectJson(call(`/api/bots/${t.botId}/avatar/model`, { method: "DELETE", token: t.token }), 200);
    expect(gone.avatar).toEqual({ enabled: true, model: null });
    expect(await stored(t.tenantId, t.botId)).toEqual([]);
    expect((await call(`/api/widget/avatars/${t.botKey}/${sha2}.glb`)).status).toBe(404);
    expect((await session(t)).bot.avatar).toEqual({ enabled: true, model: null });
  });

  it("refuses what the widget could not load, in words, and changes nothing", async () => {
    const t = await makeTenant();
    const first = await expectJson(put(t, t.botId, avatarGlb()), 200);
    const before = await stored(t.tenantId, t.botId);
    const mesh = { meshes: [{ primitives: [{ attributes: {} }] }] };
    for (const bytes of [
      new TextEncoder().encode("not a model at all, just words in a file"),
      avatarGlb().slice(0, 30_000),
      packGlb({ asset: { version: "2.0" }, buffers: [{ uri: "https://cdn.example/b.bin", byteLength: 4 }], ...mesh }),
      packGlb({ asset: { version: "2.0" }, extensionsRequired: ["EXT_meshopt_compression"], ...mesh }),
    ]) {
      const r = await call(`/api/bots/${t.botId}/avatar/model`, {
        method: "PUT",
        token: t.token,
        body: (() => {
          const f = new FormData();
          f.set("file", new File([bytes], "x.glb"));
          return f;
        })(),
      });
      expect(r.status).toBe(400);
      const p = (await r.json()) as { detail: string; errors: { path: string }[] };
      expect(p.detail).toMatch(/^not a usable avatar model: /);
      expect(p.errors[0]!.path).toBe("file");
    }
    // no file, or JSON instead of a form
    expect(
      (await call(`/api/bots/${t.botId}/avatar/model`, { method: "PUT", token: t.token, body: new FormData() })).status,
    ).toBe(400);
    expect(
      (await call(`/api/bots/${t.botId}/avatar/model`, { method: "PUT", token: t.token, json: { file: "x" } })).status,
    ).toBe(400);
    // too large
    const big = new Uint8Array(MAX_AVATAR_MODEL_BYTES + 1);
    big.set(avatarGlb().slice(0, 20));
    expect((await put(t, t.botId, big)).status).toBe(413);
    expect((await bot(t)).avatar.model).toEqual(first.avatar.model);
    expect(await stored(t.tenantId, t.botId)).toEqual(before);
  });

  it("needs bots:write; another tenant's bot is a 404; the widget route serves only that bot's current model", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const m = await expectJson(put(a, a.botId, avatarGlb()), 200);
    const sha = m.avatar.model.sha256 as string;
    for (const role of ["agent", "viewer"] as const) {
      const member = await addMember(a, role);
      expect((await put(member, a.botId, avatarGlb({ clips: ["happy"] }))).status).toBe(403);
      expect((await call(`/api/bots/${a.botId}/avatar/model`, { method: "DELETE", token: member.token })).status).toBe(
        403,
      );
    }
    expect((await put(b, a.botId, avatarGlb())).status).toBe(404);
    expect((await call(`/api/bots/${a.botId}/avatar/model`, { method: "DELETE", token: b.token })).status).toBe(404);
    // b's publishable key with a's model hash: not found; a malformed path: refused
    expect((await call(`/api/widget/avatars/${b.botKey}/${sha}.glb`)).status).toBe(404);
    expect((await call(`/api/widget/avatars/${a.botKey}/..%2F${sha}.glb`)).status).toBe(400);
    expect((await bot(a)).avatar.model.sha256).toBe(sha);
    expect(await stored(a.tenantId, a.botId)).toHaveLength(1);
  });

  it("goes with its bot", async () => {
    const t = await makeTenant();
    const second = await expectJson(
      call("/api/bots", { method: "POST", token: t.token, json: { name: "Second" } }),
      201,
    );
    await expectJson(put(t, second.id, avatarGlb()), 200);
    expect(await stored(t.tenantId, second.id)).toHaveLength(1);
    expect((await call(`/api/bots/${second.id}`, { method: "DELETE", token: t.token })).status).toBe(204);
    expect(await stored(t.tenantId, second.id)).toEqual([]);
  });
});
