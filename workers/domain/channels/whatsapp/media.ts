import { z } from "zod";
import { egressFetch, egressPolicyOf, readBody } from "../../../lib/egress";
import { newId } from "../../../lib/ids";
import type { WhatsappChannelRow } from "../../../storage/channels-repo";
import { attachmentKey } from "../../conversations/attachments";
import type { BaseCtx } from "../../ctx";
import { getGraphJson } from "./graph";
import type { WhatsAppSecrets } from "./schemas";

/**
 * Inbound WhatsApp media (image, document, audio): the webhook names a media id; the Graph API's
 * `GET /{media-id}` answers a short-lived download URL, which is fetched with the same bearer token
 * (both through the egress policy) into R2 under the conversation's prefix, so the conversation's
 * attachment route serves it to the tenant's operators and erasure finds it. Types and sizes are
 * checked against the limits below before the download and again against what Meta answers.
 */

export type MediaKind = "image" | "document" | "audio";

/** Per kind: the accepted MIME types and the byte limit (under Meta's own: 5 MB images, 16 MB audio, 100 MB documents). */
export const MEDIA_LIMITS: Record<MediaKind, { maxBytes: number; types: readonly string[] }> = {
  image: { maxBytes: 5 * 1024 * 1024, types: ["image/jpeg", "image/png", "image/webp"] },
  audio: {
    maxBytes: 16 * 1024 * 1024,
    types: ["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"],
  },
  document: {
    maxBytes: 16 * 1024 * 1024,
    types: [
      "application/pdf",
      "text/plain",
      "application/msword",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.ms-excel",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.ms-powerpoint",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
  },
};

const MEDIA_TIMEOUT_MS = 30_000;
const EXT: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "audio/aac": "aac",
  "audio/amr": "amr",
  "audio/mpeg": "mp3",
  "audio/mp4": "m4a",
  "audio/ogg": "ogg",
  "application/pdf": "pdf",
  "text/plain": "txt",
};

/** `GET /{media-id}` (Meta: `{ messaging_product, url, mime_type, sha256, file_size, id }`; file_size may be a string). */
const MediaObject = z
  .object({
    url: z.url(),
    mime_type: z.string().max(127),
    sha256: z.string().max(128).optional(),
    file_size: z.union([z.number(), z.string().regex(/^\d{1,15}$/)]).optional(),
  })
  .loose();

/** Media ids are Meta's opaque tokens; anything else never reaches a URL path. */
export const MEDIA_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export type MediaRef = { id: string; name: string; type: string; size: number };
export type MediaOutcome = { ok: true; ref: MediaRef } | { ok: false; reason: string };

const baseType = (t: string) => t.split(";")[0]!.trim().toLowerCase();

export async function fetchWhatsAppMedia(
  ctx: BaseCtx,
  channel: WhatsappChannelRow,
  secrets: WhatsAppSecrets,
  input: {
    conversationId: string;
    kind: MediaKind;
    mediaId: string;
    mimeType?: string | undefined;
    filename?: string | undefined;
  },
): Promise<MediaOutcome> {
  const limit = MEDIA_LIMITS[input.kind];
  if (!MEDIA_ID.test(input.mediaId)) return { ok: false, reason: "malformed media id" };
  if (input.mimeType && !limit.types.includes(baseType(input.mimeType)))
    return { ok: false, reason: `${baseType(input.mimeType)} files are not accepted` };
  let meta: z.infer<typeof MediaObject>;
  try {
    const parsed = MediaObject.safeParse(await getGraphJson(ctx, secrets, encodeURIComponent(input.mediaId)));
    if (!parsed.success) return { ok: false, reason: "WhatsApp answered no download URL" };
    meta = parsed.data;
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : "WhatsApp could not be reached" };
  }
  const type = baseType(meta.mime_type);
  if (!limit.types.includes(type)) return { ok: false, reason: `${type} files are not accepted` };
  const declared = meta.file_size === undefined ? undefined : Number(meta.file_size);
  if (declared !== undefined && declared > limit.maxBytes)
    return { ok: false, reason: `the file is over the ${limit.maxBytes / 1024 / 1024} MiB limit` };
  let bytes: Uint8Array;
  try {
    const res = await egressFetch(
      egressPolicyOf(ctx.config),
      meta.url,
      { headers: { authorization: `Bearer ${secrets.accessToken}` } },
      { maxBytes: limit.maxBytes, timeoutMs: MEDIA_TIMEOUT_MS },
    );
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return { ok: false, reason: `the download answered HTTP ${res.status}` };
    }
    bytes = await readBody(res);
  } catch (err) {
    const over = err instanceof Error && /byte limit/.test(err.message);
    return {
      ok: false,
      reason: over ? `the file is over the ${limit.maxBytes / 1024 / 1024} MiB limit` : "the download failed",
    };
  }
  if (bytes.byteLength === 0) return { ok: false, reason: "the file is empty" };
  if (meta.sha256 && /^[0-9a-f]{64}$/i.test(meta.sha256)) {
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    if (digest !== meta.sha256.toLowerCase()) return { ok: false, reason: "the file does not match its checksum" };
  }
  const id = newId("att", ctx.clock.now());
  const name = safeName(input.filename) ?? `whatsapp-${input.kind}.${EXT[type] ?? "bin"}`;
  await ctx.services.files.put(attachmentKey(channel.tenantId, input.conversationId, id), bytes, {
    httpMetadata: { contentType: type, contentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(name)}` },
    customMetadata: { name, tenantId: channel.tenantId, conversationId: input.conversationId, channel: "whatsapp" },
  });
  return { ok: true, ref: { id, name, type, size: bytes.byteLength } };
}

/** A sender's file name without paths or control characters; undefined when nothing is left. */
function safeName(name: string | undefined): string | undefined {
  const base = (name ?? "")
    .split(/[\\/]/)
    .pop()!
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .trim()
    .slice(0, 200);
  return base || undefined;
}
