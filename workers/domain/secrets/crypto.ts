import { fromBase64, toBase64 } from "../../lib/crypto";

/**
 * Tenant secrets are AES-256-GCM encrypted under a key derived per tenant with HKDF-SHA-256 from the
 * master secret (info = "echo-tenant:<tenantId>"). Ciphertexts carry the master key version
 * (`v1.<iv>.<ct>`), so a rotated master can still open old values while new ones use the new key.
 */
export type MasterKeys = { current: { version: number; secret: string }; previous?: Record<number, string> };

async function tenantKey(master: string, tenantId: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(master), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: new TextEncoder().encode(`echo-tenant:${tenantId}`),
    },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function encryptSecret(keys: MasterKeys, tenantId: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await tenantKey(keys.current.secret, tenantId);
  // the tenant id is bound as additional data: a ciphertext copied to another tenant fails to open
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(tenantId) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return `v${keys.current.version}.${toBase64(iv)}.${toBase64(new Uint8Array(ct))}`;
}

export async function decryptSecret(keys: MasterKeys, tenantId: string, sealed: string): Promise<string> {
  const [v, iv, ct] = sealed.split(".");
  const version = Number(v?.slice(1));
  const master = version === keys.current.version ? keys.current.secret : keys.previous?.[version];
  if (!master || !iv || !ct) throw new Error(`cannot open secret sealed with key version ${v}`);
  const key = await tenantKey(master, tenantId);
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: new TextEncoder().encode(tenantId) },
    key,
    fromBase64(ct),
  );
  return new TextDecoder().decode(pt);
}

export function masterKeysOf(config: {
  masterKey: string;
  masterKeyVersion: number;
  masterKeyPrevious?: string;
  masterKeyPreviousVersion?: number;
}): MasterKeys {
  const { masterKeyPrevious: prev, masterKeyPreviousVersion: prevVersion } = config;
  return {
    current: { version: config.masterKeyVersion, secret: config.masterKey },
    ...(prev && prevVersion !== undefined ? { previous: { [prevVersion]: prev } } : {}),
  };
}

/** The master key version a ciphertext was sealed under (`v2.…` → 2), or NaN when malformed. */
export function sealedVersion(sealed: string): number {
  return /^v\d+\./.test(sealed) ? Number(sealed.slice(1, sealed.indexOf("."))) : NaN;
}

/** True when `sealed` is under an older key than the current one and should be re-sealed. */
export function isStale(keys: MasterKeys, sealed: string): boolean {
  return sealedVersion(sealed) !== keys.current.version;
}

/** "sk-abc…wxyz" style display: never more than the last four characters. */
export function secretHint(secret: string): string {
  return secret.length <= 8 ? "••••" : `••••${secret.slice(-4)}`;
}
