import { AppError, Invalid, NotFound } from "../../lib/errors";
import { sha256Hex } from "../../lib/crypto";
import type { AvatarModelInfo } from "../../storage/schema";
import type { BaseCtx, Ctx } from "../ctx";
import { deletePrefix } from "../privacy/erase";
import { audit } from "../audit";

/**
 * A bot's 3D avatar (issue 19): a self-contained binary glTF (.glb) the tenant uploads, kept in R2
 * under the bot and served to the widget by its content hash, so it is cached for good and a
 * replaced model is never served again. The widget loads three.js only for bots that have one.
 */

/** A head with its animations is well under a megabyte; 8 MB leaves room and keeps the widget fast. */
export const MAX_AVATAR_MODEL_BYTES = 8 * 1024 * 1024;
const GLB_MAGIC = 0x46546c67; // "glTF"
const CHUNK_JSON = 0x4e4f534a;
const CHUNK_BIN = 0x004e4942;
/**
 * Required extensions three.js's GLTFLoader reads on its own. Compressed geometry and textures
 * (Draco, meshopt, Basis) need decoders the widget does not ship, so such a model would not load.
 */
const SUPPORTED_REQUIRED = new Set([
  "KHR_materials_unlit",
  "KHR_materials_emissive_strength",
  "KHR_materials_clearcoat",
  "KHR_materials_ior",
  "KHR_materials_specular",
  "KHR_materials_transmission",
  "KHR_materials_volume",
  "KHR_materials_sheen",
  "KHR_materials_iridescence",
  "KHR_texture_transform",
  "KHR_mesh_quantization",
  "KHR_lights_punctual",
  "EXT_texture_webp",
  "EXT_texture_avif",
  "EXT_mesh_gpu_instancing",
]);

export const avatarModelPrefix = (tenantId: string, botId: string) => `avatars/${tenantId}/${botId}/`;
const avatarModelKey = (tenantId: string, botId: string, sha256: string) =>
  `${avatarModelPrefix(tenantId, botId)}${sha256}.glb`;

type GltfJson = {
  asset?: { version?: unknown };
  extensionsRequired?: unknown;
  buffers?: { uri?: unknown }[];
  images?: { uri?: unknown }[];
  meshes?: { extras?: { targetNames?: unknown } }[];
  animations?: { name?: unknown }[];
};

const bad = (message: string) => new Invalid(`not a usable avatar model: ${message}`, [{ path: "file", message }]);

/**
 * Checks a binary glTF the way a loader would read it and says what it offers the widget: the
 * names of its animation clips (a clip named after a mood or state is played for it) and of its
 * morph targets (mouthOpen, jawOpen or a viseme move with speech; smile and brow ones with moods).
 * Refuses anything the widget could not load by itself: other formats, truncated files, external
 * buffers or images (a visitor's browser would fetch them from elsewhere), unsupported extensions.
 */
export function inspectGlb(bytes: Uint8Array): { clips: string[]; morphs: string[] } {
  if (bytes.length < 20) throw bad("the file is too short to be a binary glTF (.glb)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GLB_MAGIC) throw bad("upload a binary glTF (.glb); this file is something else");
  if (view.getUint32(4, true) !== 2) throw bad("only glTF 2.0 is supported");
  if (view.getUint32(8, true) !== bytes.length) throw bad("the file is truncated or has trailing bytes");
  const jsonLength = view.getUint32(12, true);
  if (view.getUint32(16, true) !== CHUNK_JSON || 20 + jsonLength > bytes.length)
    throw bad("the first chunk is not the glTF JSON");
  let json: GltfJson;
  try {
    json = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(20, 20 + jsonLength)),
    ) as GltfJson;
  } catch {
    throw bad("its JSON chunk does not parse");
  }
  if (!json || typeof json !== "object" || json.asset?.version !== "2.0") throw bad("asset.version is not 2.0");
  let at = 20 + jsonLength;
  let binLength = -1;
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at, true);
    const type = view.getUint32(at + 4, true);
    if (at + 8 + length > bytes.length) throw bad("a chunk runs past the end of the file");
    if (type === CHUNK_BIN && binLength < 0) binLength = length;
    at += 8 + length;
  }
  if (at !== bytes.length) throw bad("the file ends inside a chunk header");
  const required = Array.isArray(json.extensionsRequired) ? json.extensionsRequired.map(String) : [];
  const unsupported = required.filter((e) => !SUPPORTED_REQUIRED.has(e));
  if (unsupported.length)
    throw bad(`it needs ${unsupported.join(", ")}, which the widget cannot decode; export without compression`);
  if ((json.buffers ?? []).some((b) => b.uri !== undefined))
    throw bad("its buffers point to other files; export a single self-contained .glb");
  if ((json.buffers ?? []).length > 0 && binLength < 0) throw bad("its binary chunk is missing");
  if ((json.images ?? []).some((i) => i.uri !== undefined))
    throw bad("its textures point to other files; embed them in the .glb");
  const meshes = Array.isArray(json.meshes) ? json.meshes : [];
  if (!meshes.length) throw bad("it has no mesh to show");
  const names = (xs: unknown[]) => [...new Set(xs.filter((x): x is string => typeof x === "string" && !!x))];
  const morphs = names(meshes.flatMap((m) => (Array.isArray(m.extras?.targetNames) ? m.extras.targetNames : [])));
  const clips = names((Array.isArray(json.animations) ? json.animations : []).map((a) => a.name));
  return { clips: clips.slice(0, 100), morphs: morphs.slice(0, 200) };
}

/** Stores the model, points the bot at it and deletes the one it replaces. Nothing changes on refusal. */
export async function setAvatarModel(ctx: Ctx, botId: string, file: File) {
  const bot = await ctx.repos.bots.get(ctx.tenantId, botId);
  if (!bot) throw new NotFound("bot", botId);
  if (file.size > MAX_AVATAR_MODEL_BYTES)
    throw new AppError("PAYLOAD_TOO_LARGE", `an avatar model is at most ${MAX_AVATAR_MODEL_BYTES} bytes`, {
      errors: [{ path: "file", message: `at most ${MAX_AVATAR_MODEL_BYTES / 1024 / 1024} MB` }],
    });
  const bytes = new Uint8Array(await file.arrayBuffer());
  const { clips, morphs } = inspectGlb(bytes);
  const hash = await sha256Hex(bytes);
  const model: AvatarModelInfo = {
    sha256: hash,
    bytes: bytes.length,
    name: (file.name || "avatar.glb").slice(0, 200),
    uploadedAt: new Date(ctx.clock.now()).toISOString(),
    clips,
    morphs,
  };
  await ctx.services.files.put(avatarModelKey(ctx.tenantId, bot.id, hash), bytes, {
    httpMetadata: { contentType: "model/gltf-binary" },
  });
  const updated = await ctx.repos.bots.update(ctx.tenantId, bot.id, {
    avatar: { enabled: bot.avatar?.enabled ?? false, model },
    updatedAt: new Date(ctx.clock.now()),
  });
  if (!updated) throw new NotFound("bot", botId);
  const old = bot.avatar?.model?.sha256;
  if (old && old !== hash) await ctx.services.files.delete(avatarModelKey(ctx.tenantId, bot.id, old));
  await audit(
    ctx,
    "bot.updated",
    { type: "bot", id: bot.id },
    { fields: ["avatar.model"], bytes: model.bytes, sha256: hash },
  );
  return updated;
}

/** Removes the bot's model: the widget goes back to the 2D face. */
export async function removeAvatarModel(ctx: Ctx, botId: string) {
  const bot = await ctx.repos.bots.get(ctx.tenantId, botId);
  if (!bot) throw new NotFound("bot", botId);
  await deleteAvatarModels(ctx, ctx.tenantId, bot.id);
  const updated = await ctx.repos.bots.update(ctx.tenantId, bot.id, {
    avatar: { enabled: bot.avatar?.enabled ?? false, model: null },
    updatedAt: new Date(ctx.clock.now()),
  });
  if (!updated) throw new NotFound("bot", botId);
  await audit(ctx, "bot.updated", { type: "bot", id: bot.id }, { fields: ["avatar.model"], removed: true });
  return updated;
}

/** Every stored model of a bot (the bot is deleted, or its model removed). */
export const deleteAvatarModels = (ctx: Pick<BaseCtx, "services">, tenantId: string, botId: string) =>
  deletePrefix(ctx.services.files, avatarModelPrefix(tenantId, botId));

/** The widget's path to a bot's current model (absolute on this deployment), or null. */
export const avatarModelUrl = (
  origin: string,
  bot: { publishableKey: string; avatar: { model?: AvatarModelInfo | null } | null },
) => (bot.avatar?.model ? `${origin}/api/widget/avatars/${bot.publishableKey}/${bot.avatar.model.sha256}.glb` : null);

/**
 * The model a widget asks for: only a bot's current one (a replaced or removed model is a 404),
 * found by the bot's publishable key, which every page embedding the widget already shows.
 */
export async function readAvatarModel(ctx: BaseCtx, publishableKey: string, sha: string) {
  const bot = await ctx.repos.bots.byPublishableKey(publishableKey);
  if (!bot || bot.avatar?.model?.sha256 !== sha) throw new NotFound("avatar model", sha);
  const obj = await ctx.services.files.get(avatarModelKey(bot.tenantId, bot.id, sha));
  if (!obj) throw new NotFound("avatar model", sha);
  return obj;
}
