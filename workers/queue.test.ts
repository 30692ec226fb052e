import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { requestCtx } from "./compose";
import { failIngestMessage } from "./domain/knowledge/ingest";
import { INGEST_KIND } from "./domain/knowledge/schemas";
import { handleQueue, MAX_DELIVERIES, registerQueueHandler } from "./queue";
import { call, eventually, expectJson, makeTenant } from "./test/fixtures";

/** The consumer's delivery rules, and what the last failed delivery of an ingest message leaves. */
describe("queue consumer", () => {
  const seen: { attempts: number; error: string }[] = [];
  registerQueueHandler(
    "test.always-fails",
    async () => {
      throw new Error("R2 is having a bad day");
    },
    async (_body, _env, err, attempts) => {
      seen.push({ attempts, error: String(err) });
    },
  );

  async function deliver(body: unknown, attempts: number) {
    const batch = createMessageBatch("echo-ingest", [{ id: `m${attempts}`, timestamp: Date.now(), attempts, body }]);
    const ctx = createExecutionContext();
    await handleQueue(batch, env, ctx);
    return getQueueResult(batch, ctx);
  }

  it("retries a failing message with backoff, then gives up on the last delivery and acknowledges it", async () => {
    const early = await deliver({ kind: "test.always-fails" }, 1);
    expect(early.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
    expect(early.explicitAcks).toEqual([]);
    expect(seen).toEqual([]);
    const last = await deliver({ kind: "test.always-fails" }, MAX_DELIVERIES);
    expect(last.retryMessages).toEqual([]);
    expect(last.explicitAcks).toEqual([`m${MAX_DELIVERIES}`]);
    expect(seen).toEqual([{ attempts: MAX_DELIVERIES, error: "Error: R2 is having a bad day" }]);
  });

  it("acknowledges unknown and malformed messages without running anything", async () => {
    for (const body of [{ kind: "nobody.handles.this" }, "not an object", null]) {
      const r = await deliver(body, 1);
      expect(r.explicitAcks).toEqual(["m1"]);
      expect(r.retryMessages).toEqual([]);
    }
  });

  it("an ingest message the queue gave up on leaves its source failed with the reason, never stuck processing", async () => {
    const t = await makeTenant("Queue");
    const created = await expectJson(
      call("/api/knowledge/sources", {
        method: "POST",
        token: t.token,
        json: { type: "text", title: "Hours", text: "We open at nine." },
      }),
      202,
    );
    await eventually(
      () => expectJson(call(`/api/knowledge/sources/${created.id}`, { token: t.token }), 200),
      (s) => s.status === "ready",
      45_000,
    );
    // a ready source is left alone by a late give-up
    const body = { kind: INGEST_KIND, tenantId: t.tenantId, sourceId: created.id };
    await failIngestMessage(requestCtx(env, "req_test", ""), body, new Error("D1 overloaded"), MAX_DELIVERIES);
    expect((await expectJson(call(`/api/knowledge/sources/${created.id}`, { token: t.token }), 200)).status).toBe(
      "ready",
    );
    // one stuck mid-way (its worker died) becomes failed with a reason a person can act on
    await env.DB.prepare("UPDATE knowledge_sources SET status = 'processing' WHERE id = ?").bind(created.id).run();
    await failIngestMessage(requestCtx(env, "req_test", ""), body, new Error("D1 overloaded"), MAX_DELIVERIES);
    const failed = await expectJson(call(`/api/knowledge/sources/${created.id}`, { token: t.token }), 200);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/indexing failed after 4 attempts \(Error: D1 overloaded\)/);
  });
});
