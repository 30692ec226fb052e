import { AppError, Conflict, Invalid, NotFound } from "../../lib/errors";
import { hasPrefix, newId } from "../../lib/ids";
import type { BaseCtx, Ctx } from "../ctx";
import { getConversation } from "./read";
import { type AttachmentRequest, MAX_ATTACHMENT_BYTES, UPLOAD_URL_TTL_SECONDS } from "./schemas";
import { signUploadToken, verifyUploadToken, type VisitorScope } from "./visitor-token";

/**
 * Attachments: the visitor asks for a short-lived signed upload URL (type and size declared and
 * checked), posts the file there (multipart field `file`), the bytes go to R2 and the room learns
 * the attachment, and a later `msg` frame carries its id. Keys are tenant- and conversation-scoped.
 * An attachment's bytes are written once: a second upload to the same id is 409 and changes nothing,
 * so a file a message carries is immutable.
 */
export const attachmentKey = (tenantId: string, conversationId: string, id: string) =>
  `conversations/${tenantId}/${conversationId}/${id}`;

export async function requestUpload(ctx: BaseCtx, scope: VisitorScope, input: AttachmentRequest) {
  const now = ctx.clock.now();
  const id = newId("att", now);
  const sig = await signUploadToken(ctx, {
    tenantId: scope.tenantId,
    conversationId: scope.conversationId,
    attachmentId: id,
    name: input.name,
    type: input.type,
    size: input.size,
  });
  return {
    id,
    uploadUrl: `${ctx.services.origin}/api/widget/attachments/${id}/upload?sig=${encodeURIComponent(sig)}`,
    expiresAt: new Date(now + UPLOAD_URL_TTL_SECONDS * 1000).toISOString(),
    maxBytes: input.size,
    field: "file" as const,
  };
}

/** Stores the uploaded file; its type must be the declared one and its size at most the declared size. */
export async function storeUpload(ctx: BaseCtx, attachmentId: string, sig: string, file: File) {
  const scope = await verifyUploadToken(ctx, sig);
  if (scope.attachmentId !== attachmentId) throw new NotFound("attachment", attachmentId);
  if (file.size > scope.size || file.size > MAX_ATTACHMENT_BYTES)
    throw new AppError("PAYLOAD_TOO_LARGE", `the file is over the declared ${scope.size} bytes`);
  if (file.size === 0) throw new Invalid("the file is empty", [{ path: "file", message: "empty" }]);
  if (file.type.split(";")[0]!.trim().toLowerCase() !== scope.type)
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `the file is not of the declared type ${scope.type}`);
  // Write-once (issue 13, item 10): the upload URL stays valid for its whole TTL, so without the
  // condition a second upload could replace the bytes of a file a message already carries. R2
  // checks `If-None-Match: *` atomically with the write; a refused write answers null.
  const written = await ctx.services.files.put(
    attachmentKey(scope.tenantId, scope.conversationId, attachmentId),
    await file.arrayBuffer(),
    {
      onlyIf: new Headers({ "if-none-match": "*" }),
      httpMetadata: {
        contentType: scope.type,
        contentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(scope.name)}`,
      },
      customMetadata: { name: scope.name, tenantId: scope.tenantId, conversationId: scope.conversationId },
    },
  );
  if (!written)
    throw new Conflict(
      `attachment ${attachmentId} is already uploaded; its bytes cannot change (ask for a new upload URL)`,
    );
  const ref = { id: attachmentId, name: scope.name, type: scope.type, size: file.size };
  await ctx.rooms.conversation(scope.tenantId, scope.conversationId).addAttachment(scope.tenantId, ref);
  return ref;
}

async function readObject(ctx: BaseCtx, tenantId: string, conversationId: string, id: string) {
  const obj = hasPrefix(id, "att") ? await ctx.services.files.get(attachmentKey(tenantId, conversationId, id)) : null;
  if (!obj) throw new NotFound("attachment", id);
  return obj;
}

/** The visitor's own conversation's file. */
export const readVisitorAttachment = (ctx: BaseCtx, scope: VisitorScope, id: string) =>
  readObject(ctx, scope.tenantId, scope.conversationId, id);

/** An operator's read of a file of one of the tenant's conversations. */
export async function readConversationAttachment(ctx: Ctx, conversationId: string, id: string) {
  const conv = await getConversation(ctx, conversationId);
  return readObject(ctx, ctx.tenantId, conv.id, id);
}
