import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { Unauthorized } from "../../lib/errors";
import type { MemberRole } from "../../storage/schema";

/** Access tokens live 15 minutes; refresh tokens 30 days, rotated on every use. */
export const ACCESS_TTL_SECONDS = 15 * 60;
export const REFRESH_TTL_MS = 30 * 24 * 3600 * 1000;
const ISSUER = "echo";

const AccessClaims = z.object({
  sub: z.string(),
  tid: z.string(),
  role: z.union([z.enum(["owner", "admin", "agent", "viewer"]), z.templateLiteral(["role_", z.string()])]),
  typ: z.literal("access"),
  /** The refresh-token family (session) the token was issued for; absent in tokens older than it. */
  fid: z.string().optional(),
  iat: z.number(),
  exp: z.number(),
});
export type AccessClaims = z.infer<typeof AccessClaims>;

function keyOf(secret: string) {
  return new TextEncoder().encode(secret);
}

export async function signAccessToken(
  secret: string,
  claims: { userId: string; tenantId: string; role: MemberRole; familyId?: string },
  now: number,
) {
  const fid = claims.familyId ? { fid: claims.familyId } : {};
  return new SignJWT({ tid: claims.tenantId, role: claims.role, typ: "access", ...fid })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + ACCESS_TTL_SECONDS)
    .sign(keyOf(secret));
}

export async function verifyAccessToken(secret: string, token: string, now: number): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      issuer: ISSUER,
      algorithms: ["HS256"],
      currentDate: new Date(now),
    });
    return AccessClaims.parse(payload);
  } catch {
    throw new Unauthorized("access token is invalid or expired");
  }
}

/** Short-lived signed token for other principals (widget visitors, upload URLs): `aud` names the use. */
export async function signScopedToken(
  secret: string,
  aud: string,
  claims: Record<string, unknown>,
  ttlSeconds: number,
  now: number,
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(aud)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + ttlSeconds)
    .sign(keyOf(secret));
}

export async function verifyScopedToken(
  secret: string,
  aud: string,
  token: string,
  now: number,
): Promise<Record<string, unknown>> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      issuer: ISSUER,
      audience: aud,
      algorithms: ["HS256"],
      currentDate: new Date(now),
    });
    return payload as Record<string, unknown>;
  } catch {
    throw new Unauthorized(`${aud} token is invalid or expired`);
  }
}
