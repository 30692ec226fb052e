import { verifyAccessToken } from "../domain/auth/tokens";

/**
 * Operator socket life (issue 13 item 3): a socket opened with an access token lives until that
 * token's `exp`; an in-band `{"type":"auth","token"}` frame with a fresh access token of the same
 * user and tenant extends it. Shared by conversation rooms and the tenant hub.
 */

/** Whether a socket whose token expires at `exp` (seconds; undefined: an API key, no expiry) is expired at `nowMs`. */
export function socketExpired(exp: number | undefined, nowMs: number): boolean {
  return exp !== undefined && nowMs >= exp * 1000;
}

export type ReauthResult = { ok: true; exp: number } | { ok: false; message: string };

/** Verifies a re-auth token: a valid access token (HS256, APP_SECRET) for the same user and tenant. */
export async function verifyReauth(
  secret: string,
  token: string,
  expect: { userId: string; tenantId: string },
  nowMs: number,
): Promise<ReauthResult> {
  try {
    const claims = await verifyAccessToken(secret, token, nowMs);
    if (claims.sub !== expect.userId || claims.tid !== expect.tenantId)
      return { ok: false, message: "the token is for another user or workspace" };
    return { ok: true, exp: claims.exp };
  } catch {
    return { ok: false, message: "access token is invalid or expired" };
  }
}
