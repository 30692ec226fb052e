import type { Attachment } from "./protocol";
import type { Model } from "./model";

/** Largest file the widget offers to send; the Worker enforces its own limit (10 MiB) too. */
export const MAX_UPLOAD = 10 * 1024 * 1024;

/**
 * The signed upload flow of workers/routes/widget-sessions.ts: ask for a short-lived upload URL
 * (authorised by the session token; name, type and size declared), then POST the file there as
 * multipart with XHR, because fetch() has no upload progress events. Resolves to the stored
 * attachment, which the next `msg` frame names by id.
 */
async function uploadFile(
  api: string,
  token: string,
  file: File,
  onProgress: (p: number) => void,
): Promise<Attachment> {
  const r = await fetch(api + "/api/widget/attachments", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer " + token },
    body: JSON.stringify({ name: file.name, type: file.type, size: file.size }),
  });
  if (!r.ok) throw new Error("upload refused " + r.status);
  const ticket = (await r.json()) as { uploadUrl: string; field?: string };
  const body = new FormData();
  body.append(ticket.field ?? "file", file);
  return new Promise<Attachment>((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open("POST", new URL(ticket.uploadUrl, api).href);
    x.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    x.onload = () =>
      x.status < 300 ? resolve(JSON.parse(x.responseText) as Attachment) : reject(new Error("upload " + x.status));
    x.onerror = x.onabort = () => reject(new Error("upload failed"));
    x.send(body);
  });
}

/** Shows the file as a bubble with a progress bar while it uploads; on failure the bubble says so.
 *  Resolves to the stored attachment for the message that carries it. */
export async function sendFile(api: string, token: string | undefined, m: Model, file: File): Promise<Attachment> {
  const k = "u" + Date.now() + file.name;
  const it = m.addUpload(k, { id: k, name: file.name, type: file.type, size: file.size });
  try {
    if (!token || file.size > MAX_UPLOAD) throw new Error("not sent");
    const att = await uploadFile(api, token, file, (p) => (it.progress!.value = p));
    m.remove(it);
    return att;
  } catch (e) {
    it.progress!.value = -1;
    throw e;
  }
}
