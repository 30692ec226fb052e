import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../index";
import { requestCtx } from "../../compose";
import { readConfig } from "../../env";
import { loadOpenAiSettings } from "../knowledge/provider-settings";
import { openSecrets } from "../voice/integrations";
import { call, expectJson, makeTenant } from "../../test/fixtures";
import { decryptSecret, encryptSecret, isStale, masterKeysOf, sealedVersion } from "./crypto";

const randomKey = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

/** The Worker's environment after a rotation: a new MASTER_KEY at `version`, the old one beside it. */
function rotated(current: { key: string; version: number }, previous: { key: string; version: number }): Env {
  return {
    ...env,
    MASTER_KEY: current.key,
    MASTER_KEY_VERSION: String(current.version),
    MASTER_KEY_PREVIOUS: previous.key,
    MASTER_KEY_PREVIOUS_VERSION: String(previous.version),
  } as unknown as Env;
}

async function callWith(e: Env, path: string, token: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://echo.test${path}`, { headers: { authorization: `Bearer ${token}` } }) as Parameters<
      typeof worker.fetch
    >[0],
    e,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function runJob(e: Env) {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ cron: "17 * * * *" }), e, ctx);
  await waitOnExecutionContext(ctx);
}

/** The sealed columns of one tenant, as stored. */
async function sealedOf(tenantId: string) {
  const q = (sql: string) =>
    env.DB.prepare(sql)
      .bind(tenantId)
      .all<{ c: string }>()
      .then((r) => r.results.map((x) => x.c));
  return {
    bots: await q("SELECT secret_ciphertext AS c FROM bots WHERE tenant_id = ?"),
    providers: await q("SELECT ciphertext AS c FROM tenant_secrets WHERE tenant_id = ?"),
    voice: await q("SELECT secrets_ciphertext AS c FROM voice_integrations WHERE tenant_id = ?"),
    whatsapp: await q("SELECT secrets_ciphertext AS c FROM whatsapp_channels WHERE tenant_id = ?"),
  };
}
const versionsOf = (s: Awaited<ReturnType<typeof sealedOf>>) =>
  new Set([...s.bots, ...s.providers, ...s.voice, ...s.whatsapp].map(sealedVersion));

describe("MASTER_KEY rotation", () => {
  it("opens old ciphertexts with the previous key and re-seals them (pure)", async () => {
    const k1 = { current: { version: 1, secret: randomKey() } };
    const v1 = await encryptSecret(k1, "ten_a", "hello");
    const k2 = masterKeysOf({
      masterKey: randomKey(),
      masterKeyVersion: 2,
      masterKeyPrevious: k1.current.secret,
      masterKeyPreviousVersion: 1,
    });
    expect(isStale(k2, v1)).toBe(true);
    expect(await decryptSecret(k2, "ten_a", v1)).toBe("hello");
    // without the previous key (what raising MASTER_KEY_VERSION alone did) the value is lost
    await expect(decryptSecret({ current: k2.current }, "ten_a", v1)).rejects.toThrow(/version v1/);
    // a previous key with the wrong secret does not open it either (GCM authenticates)
    await expect(decryptSecret({ ...k2, previous: { 1: randomKey() } }, "ten_a", v1)).rejects.toThrow();
    const v2 = await encryptSecret(k2, "ten_a", "hello");
    expect(sealedVersion(v2)).toBe(2);
    expect(isStale(k2, v2)).toBe(false);
  });

  it("rotates twice (v1 → v2 → v3): bot identity secrets, provider keys and voice secrets still open and end on v3", async () => {
    const t = await makeTenant("Rotate");
    const k1 = { key: env.MASTER_KEY, version: Number(env.MASTER_KEY_VERSION) };
    expect(k1.version).toBe(1);
    // one value of each kind, sealed under v1 through the public API
    const botSecret = (await expectJson(call(`/api/bots/${t.botId}/secret`, { token: t.token }), 200)).secret;
    const apiKey = "sk-tenant-openai-key-0123456789";
    await expectJson(
      call("/api/settings/providers/openai", { method: "PUT", token: t.token, json: { apiKey, model: "gpt-4o-mini" } }),
      200,
    );
    const voiceSecrets = { webhookSecret: "wsec_rotation_1111", initiationSecret: "init_rotation_2222" };
    const vint = await expectJson(
      call("/api/voice/integrations", {
        method: "POST",
        token: t.token,
        json: { provider: "elevenlabs", botId: t.botId, secrets: voiceSecrets },
      }),
      201,
    );
    await expectJson(
      call("/api/channels/whatsapp", {
        method: "POST",
        token: t.token,
        json: {
          botId: t.botId,
          phoneNumberId: "123456123",
          accessToken: "EAAG-rotation-token",
          appSecret: "app-secret-rotation",
          verifyToken: "verify-rotation",
        },
      }),
      201,
    );
    expect((await sealedOf(t.tenantId)).whatsapp.length).toBe(1);
    expect(versionsOf(await sealedOf(t.tenantId))).toEqual(new Set([1]));

    // rotation 1: reading through the API opens v1 with the previous key and writes it back as v2
    const k2 = { key: randomKey(), version: 2 };
    const env2 = rotated(k2, k1);
    const read2 = await callWith(env2, `/api/bots/${t.botId}/secret`, t.token);
    expect(read2.status).toBe(200);
    expect(((await read2.json()) as { secret: string }).secret).toBe(botSecret);
    let sealed = await sealedOf(t.tenantId);
    expect(sealed.bots.map(sealedVersion)).toEqual([2]);
    expect(sealed.providers.map(sealedVersion)).toEqual([1]); // not read yet
    // the job re-seals the rest
    await runJob(env2);
    expect(versionsOf(await sealedOf(t.tenantId))).toEqual(new Set([2]));

    // rotation 2: v3 with v2 beside it; the job first, then every kind opens under v3
    const k3 = { key: randomKey(), version: 3 };
    const env3 = rotated(k3, k2);
    await runJob(env3);
    sealed = await sealedOf(t.tenantId);
    expect(versionsOf(sealed)).toEqual(new Set([3]));
    const ctx3 = { ...requestCtx(env3, "req_rotation", "http://echo.test"), tenantId: t.tenantId };
    expect((await loadOpenAiSettings(ctx3))?.apiKey).toBe(apiKey);
    const row = await ctx3.repos.voiceIntegrations.get(t.tenantId, vint.id);
    expect(await openSecrets(ctx3, row as typeof row & { provider: "elevenlabs" })).toEqual(voiceSecrets);
    const read3 = await callWith(env3, `/api/bots/${t.botId}/secret`, t.token);
    expect(((await read3.json()) as { secret: string }).secret).toBe(botSecret);
    // v1 key is gone from the configuration and nothing needs it any more
    for (const c of [...sealed.bots, ...sealed.providers, ...sealed.voice]) {
      await expect(decryptSecret(masterKeysOf(ctx3.config), t.tenantId, c)).resolves.toBeTypeOf("string");
    }
    // the plaintexts never reach the database
    expect(JSON.stringify(sealed)).not.toContain(apiKey);
    expect(JSON.stringify(sealed)).not.toContain("wsec_rotation");
  });

  it("reads the previous key only with its own version", () => {
    const k = randomKey();
    const cfg = (vars: Record<string, string>) => readConfig({ ...env, ...vars } as unknown as Env);
    expect(masterKeysOf(cfg({ MASTER_KEY_PREVIOUS: k, MASTER_KEY_PREVIOUS_VERSION: "7" })).previous).toEqual({ 7: k });
    // a leftover version var after `wrangler secret delete MASTER_KEY_PREVIOUS` is harmless
    expect(masterKeysOf(cfg({ MASTER_KEY_PREVIOUS_VERSION: "7" })).previous).toBeUndefined();
    expect(() => cfg({ MASTER_KEY_PREVIOUS: k })).toThrow(/MASTER_KEY_PREVIOUS_VERSION/);
    expect(() => cfg({ MASTER_KEY_PREVIOUS: k, MASTER_KEY_PREVIOUS_VERSION: "1" })).toThrow(/different/);
  });

  it("without MASTER_KEY_PREVIOUS a raised version cannot open old values (the failure rotation prevents)", async () => {
    const t = await makeTenant("NoPrevious");
    const bare = { ...env, MASTER_KEY: randomKey(), MASTER_KEY_VERSION: "2" } as unknown as Env;
    const r = await callWith(bare, `/api/bots/${t.botId}/secret`, t.token);
    expect(r.status).toBe(500);
    // and the job leaves such a value alone (counts it as unreadable) instead of destroying it
    await runJob(bare);
    expect((await sealedOf(t.tenantId)).bots.map(sealedVersion)).toEqual([1]);
  });
});
