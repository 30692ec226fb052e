import { roomsPortOf } from "../../rooms/room-port";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createLog } from "../../lib/log";
import { joinVisitor, newSession } from "../../rooms/test-client";
import { createDb } from "../../storage/db";
import { reposOf } from "../../storage/repos";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../../test/fixtures";
import { messagesInD1 } from "../../test/stores";
import { sweepRetention } from "./retention";

const DAY = 24 * 3600 * 1000;
const NOW = Date.parse("2026-12-02T12:00:00Z");

async function conversationWithMessage(t: TestTenant) {
  const s = await newSession(t);
  const v = await joinVisitor(s);
  v.send({ type: "msg", cid: "r1", text: "hello there" });
  await v.waitFor((f) => f.type === "msg" && f.cid === "r1");
  v.close();
  await messagesInD1(s.conversationId);
  return s.conversationId;
}

/** Moves a conversation's last activity `days` before NOW (as if it had been idle that long). */
const age = (id: string, days: number) =>
  env.DB.prepare("update conversations set updated_at = ? where id = ?")
    .bind(NOW - days * DAY, id)
    .run();

const exists = async (tenantId: string, id: string) =>
  (await env.DB.prepare("select count(*) n from conversations where tenant_id = ? and id = ?")
    .bind(tenantId, id)
    .first<{ n: number }>())!.n +
  (await env.DB.prepare("select count(*) n from messages where tenant_id = ? and conversation_id = ?")
    .bind(tenantId, id)
    .first<{ n: number }>())!.n;

const sweepCtx = () => ({
  repos: reposOf(createDb(env.DB)),
  log: createLog({ test: "retention" }),
  services: { files: env.FILES },
  rooms: roomsPortOf(env.CONVERSATION_ROOM),
  clock: { now: () => NOW },
  requestId: "req_sweep",
});

describe("retention", async () => {
  const t = await makeTenant();
  const keepAll = await makeTenant("Keeps everything");
  const viewer = await addMember(t, "viewer");
  const old = await conversationWithMessage(t);
  const recent = await conversationWithMessage(t);
  const oldElsewhere = await conversationWithMessage(keepAll);
  await age(old, 40);
  await age(recent, 5);
  await age(oldElsewhere, 400);

  it("stores a per-workspace retention period (settings:write), audited, and validates it", async () => {
    expect(await expectJson(call("/api/privacy/settings", { token: t.token }), 200)).toMatchObject({
      conversationRetentionDays: null,
    });
    for (const bad of [{ conversationRetentionDays: 0 }, { conversationRetentionDays: 1.5 }, { days: 3 }])
      await expectJson(call("/api/privacy/settings", { method: "PUT", token: t.token, json: bad }), 400);
    const refused = await call("/api/privacy/settings", {
      method: "PUT",
      token: viewer.token,
      json: { conversationRetentionDays: 1 },
    });
    expect(refused.status).toBe(403);
    const saved = await expectJson(
      call("/api/privacy/settings", { method: "PUT", token: t.token, json: { conversationRetentionDays: 30 } }),
      200,
    );
    expect(saved.conversationRetentionDays).toBe(30);
    const audit = await expectJson(call("/api/audit?action=settings.privacy_changed", { token: t.token }), 200);
    expect(audit.data[0].metadata).toEqual({ conversationRetentionDays: { from: null, to: 30 } });
  });

  it("the sweep erases conversations idle past the period through the erase path, and nothing else", async () => {
    const swept = await sweepRetention(sweepCtx());
    expect(swept.find((s) => s.tenantId === t.tenantId)).toEqual({ tenantId: t.tenantId, conversations: 1 });
    expect(swept.find((s) => s.tenantId === keepAll.tenantId)).toBeUndefined();
    expect(await exists(t.tenantId, old)).toBe(0);
    expect(await exists(t.tenantId, recent)).toBeGreaterThan(0);
    expect(await exists(keepAll.tenantId, oldElsewhere)).toBeGreaterThan(0);
    const audit = await expectJson(call("/api/audit?action=privacy.retention_swept", { token: t.token }), 200);
    expect(audit.data).toHaveLength(1);
    expect(audit.data[0]).toMatchObject({
      actor: { type: "system", id: "system" },
      metadata: { retentionDays: 30, conversations: 1 },
    });
    // a second run finds nothing more to do
    const again = await sweepRetention(sweepCtx());
    expect(again.find((s) => s.tenantId === t.tenantId)).toBeUndefined();
  });

  it("recording retention deletes recordings older than its period; the calls and newer recordings stay", async () => {
    const r = await makeTenant("Recordings");
    const other = await makeTenant("Keeps recordings");
    /** A finished call started `days` before NOW, its recording in R2 under the call's prefix. */
    const recordedCall = async (tt: TestTenant, days: number) => {
      const id = `call_${crypto.randomUUID().replaceAll("-", "")}`;
      const key = `voice/${tt.tenantId}/${id}/recording.wav`;
      await env.FILES.put(key, new Uint8Array([1, 2, 3, 4]));
      await env.DB.prepare(
        `INSERT INTO voice_calls (id, tenant_id, integration_id, provider, provider_call_id, conversation_id, bot_id, state,
           started_at, ended_at, recording_key, created_at, updated_at)
         VALUES (?, ?, 'vint_x', 'vapi', ?, 'conv_x', ?, 'ended', ?, ?, ?, ?, ?)`,
      )
        .bind(id, tt.tenantId, id, tt.botId, NOW - days * DAY, NOW - days * DAY + 60_000, key, NOW - days * DAY, NOW)
        .run();
      return { id, key };
    };
    const old = await recordedCall(r, 100);
    const fresh = await recordedCall(r, 5);
    const elsewhere = await recordedCall(other, 100);
    for (const bad of [{ conversationRetentionDays: null, recordingRetentionDays: 0 }, { recordingRetentionDays: 30 }])
      await expectJson(call("/api/privacy/settings", { method: "PUT", token: r.token, json: bad }), 400);
    const saved = await expectJson(
      call("/api/privacy/settings", {
        method: "PUT",
        token: r.token,
        json: { conversationRetentionDays: null, recordingRetentionDays: 30 },
      }),
      200,
    );
    expect(saved).toMatchObject({ conversationRetentionDays: null, recordingRetentionDays: 30 });

    await sweepRetention(sweepCtx());
    const keyOf = (id: string) =>
      env.DB.prepare("select recording_key k from voice_calls where id = ?").bind(id).first<{ k: string | null }>();
    expect(await keyOf(old.id)).toEqual({ k: null }); // the call stays, without its recording
    expect(await env.FILES.head(old.key)).toBeNull();
    expect((await keyOf(fresh.id))?.k).toBe(fresh.key);
    expect(await env.FILES.head(fresh.key)).not.toBeNull();
    expect((await keyOf(elsewhere.id))?.k).toBe(elsewhere.key);
    expect(await env.FILES.head(elsewhere.key)).not.toBeNull();
    const audit = await expectJson(call("/api/audit?action=privacy.retention_swept", { token: r.token }), 200);
    expect(audit.data[0].metadata).toMatchObject({ recordingRetentionDays: 30, recordings: 1, files: 1 });
    // a settings change that leaves recordings out keeps their period
    const kept = await expectJson(
      call("/api/privacy/settings", { method: "PUT", token: r.token, json: { conversationRetentionDays: 365 } }),
      200,
    );
    expect(kept.recordingRetentionDays).toBe(30);
  });
});
