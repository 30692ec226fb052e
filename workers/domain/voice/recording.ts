import { z } from "zod";
import { NotFound, Unauthorized } from "../../lib/errors";
import type { VoiceCallRow } from "../../storage/schema";
import { signScopedToken, verifyScopedToken } from "../auth/tokens";
import type { BaseCtx, Ctx } from "../ctx";
import { RECORDING_URL_TTL_SECONDS } from "./call-schemas";
import { getCall } from "./call-get";

/**
 * Call recordings (issue 19), served from R2 with HTTP range requests (RFC 9110 §14) so a browser
 * can seek. Two ways in: a bearer token with `voice:read` (API clients), or a short-lived signed URL
 * that GET /api/calls/:id mints for a member who may read calls (the <audio> element cannot send an
 * Authorization header; the URL names one call of one tenant and expires in minutes).
 */

export type ByteRange = { offset: number; length: number };
/** `full`: no (or an ignorable) Range header; `unsatisfiable`: answer 416. */
export type RangeDecision = { kind: "full" } | { kind: "partial"; range: ByteRange } | { kind: "unsatisfiable" };

/**
 * One `bytes=` range against an object of `size` bytes: `a-b`, `a-` and the suffix `-n`. A range
 * that is malformed, reversed or starts past the end is unsatisfiable (416); several ranges
 * (multipart/byteranges) are served whole, which RFC 9110 allows; other units are ignored.
 */
export function decideRange(header: string | null | undefined, size: number): RangeDecision {
  if (!header) return { kind: "full" };
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return { kind: "full" };
  const spec = m[1]!.trim();
  if (spec.includes(",")) return { kind: "full" };
  const r = /^(\d*)-(\d*)$/.exec(spec);
  if (!r || (r[1] === "" && r[2] === "")) return { kind: "unsatisfiable" };
  if (r[1] === "") {
    const suffix = Number(r[2]);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    const length = Math.min(suffix, size);
    return { kind: "partial", range: { offset: size - length, length } };
  }
  const start = Number(r[1]);
  const end = r[2] === "" ? size - 1 : Math.min(Number(r[2]), size - 1);
  if (start >= size || (r[2] !== "" && Number(r[2]) < start)) return { kind: "unsatisfiable" };
  return { kind: "partial", range: { offset: start, length: end - start + 1 } };
}

const RecordingClaims = z.object({ tid: z.string(), call: z.string() });

/** The URL the dashboard's player uses: the recording route with a signature naming this call. */
export async function signRecordingUrl(ctx: Ctx, call: VoiceCallRow) {
  const sig = await signScopedToken(
    ctx.config.appSecret,
    "recording",
    { tid: call.tenantId, call: call.id },
    RECORDING_URL_TTL_SECONDS,
    ctx.clock.now(),
  );
  return `/api/calls/${call.id}/recording?sig=${encodeURIComponent(sig)}`;
}

/** The tenant a signed recording URL was minted for; it must name the call it is used on. */
export async function verifyRecordingSig(ctx: BaseCtx, callId: string, sig: string): Promise<string> {
  const claims = RecordingClaims.safeParse(
    await verifyScopedToken(ctx.config.appSecret, "recording", sig, ctx.clock.now()).catch(() => null),
  );
  if (!claims.success) throw new Unauthorized("the recording URL is invalid or expired; reload the call");
  if (claims.data.call !== callId) throw new NotFound("call", callId);
  return claims.data.tid;
}

export type RecordingRead =
  | { kind: "full"; body: ReadableStream; size: number; contentType: string; etag: string }
  | { kind: "partial"; body: ReadableStream; size: number; range: ByteRange; contentType: string; etag: string }
  | { kind: "unsatisfiable"; size: number };

/** Reads a call's recording (or the requested bytes of it); 404 when the call has none. */
export async function readCallRecording(
  ctx: Pick<BaseCtx, "repos" | "services">,
  tenantId: string,
  callId: string,
  rangeHeader: string | null | undefined,
): Promise<RecordingRead> {
  const call = await getCall(ctx, tenantId, callId);
  const key = call.recordingKey;
  const head = key ? await ctx.services.files.head(key) : null;
  if (!key || !head) throw new NotFound("recording of call", callId);
  const size = head.size;
  const contentType = head.httpMetadata?.contentType ?? "application/octet-stream";
  const decision = decideRange(rangeHeader, size);
  if (decision.kind === "unsatisfiable") return { kind: "unsatisfiable", size };
  const obj = await ctx.services.files.get(key, decision.kind === "partial" ? { range: decision.range } : {});
  if (!obj || !("body" in obj)) throw new NotFound("recording of call", callId);
  const common = { body: obj.body, size, contentType, etag: head.httpEtag };
  return decision.kind === "partial"
    ? { kind: "partial", range: decision.range, ...common }
    : { kind: "full", ...common };
}
