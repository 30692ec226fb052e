/**
 * One tenant's hostile file cannot stall another's ingestion (issue 13, item 6), through the public
 * upload API and the real queue: a DOCX zip bomb fails with a clear reason and no chunks, an 800 KB
 * page of unclosed tags (quadratic for the old regex reader) is indexed, and another tenant's small
 * source uploaded behind them becomes ready.
 */
import { env } from "cloudflare:test";
import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

function upload(t: TestTenant, name: string, body: Uint8Array | string) {
  const form = new FormData();
  form.append("file", new File([typeof body === "string" ? body : new Uint8Array(body)], name));
  return call("/api/knowledge/sources", { method: "POST", token: t.token, body: form });
}
const settled = (t: TestTenant, id: string) =>
  eventually(
    () => expectJson(call(`/api/knowledge/sources/${id}`, { token: t.token }), 200),
    (s) => s.status === "ready" || s.status === "failed",
    90_000,
  );
const chunkCount = async (sourceId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM knowledge_chunks WHERE source_id = ?")
    .bind(sourceId)
    .first<{ n: number }>())!.n;

describe("bounded ingestion across tenants", () => {
  it(
    "fails a zip bomb, indexes a pathological page, and another tenant's small source still becomes ready",
    { timeout: 180_000 },
    async () => {
      const attacker = await makeTenant("Bomber");
      const victim = await makeTenant("Bystander");
      const para = "<w:p><w:r><w:t>Boom boom boom.</w:t></w:r></w:p>";
      const xml = `<w:document><w:body>${para.repeat(Math.ceil((40 * 1024 * 1024) / para.length))}</w:body></w:document>`;
      const bomb = zipSync({ "word/document.xml": strToU8(xml) }, { level: 9 });
      expect(bomb.length).toBeLessThan(300 * 1024);
      const page = "<li><h2 class=x><tr><td>pelican ".repeat(Math.ceil((800 * 1024) / 32));

      const b = await expectJson(upload(attacker, "report.docx", bomb), 202);
      const h = await expectJson(upload(attacker, "page.html", page), 202);
      const v = await expectJson(upload(victim, "hours.txt", "The Heron desk opens at 08:15."), 202);

      const victimDone = await settled(victim, v.id);
      expect(victimDone).toMatchObject({ status: "ready", chunkCount: 1 });

      const bombDone = await settled(attacker, b.id);
      expect(bombDone).toMatchObject({ status: "failed", chunkCount: 0 });
      expect(bombDone.error).toMatch(/word\/document\.xml inflates to \d+ bytes, over the 16777216 byte limit/);
      expect(await chunkCount(b.id)).toBe(0);

      const pageDone = await settled(attacker, h.id);
      expect(pageDone.status).toBe("ready");
      expect(pageDone.chunkCount).toBeGreaterThan(0);
    },
  );
});
