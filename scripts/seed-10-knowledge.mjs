// Demo knowledge base: the Nimbus Notes help centre in seed/knowledge/*.md, uploaded as files through
// the public API (the real ingest path) when the demo workspace has no sources yet, then waited on
// until every article is indexed, so `npm start` answers questions out of the box.
import { readdirSync, readFileSync } from "node:fs";
import { client } from "./knowledge-lib.mjs";

const DIR = new URL("../seed/knowledge/", import.meta.url);

export default async function seedKnowledge(origin, demo) {
  const api = client(origin, demo.token);
  const existing = await api.get("/api/knowledge/sources?limit=1");
  if (existing.data.length > 0) return;
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith(".md"))
    .sort();
  for (const name of files) {
    const form = new FormData();
    form.append("file", new File([readFileSync(new URL(name, DIR))], name, { type: "text/markdown" }));
    const text = readFileSync(new URL(name, DIR), "utf8");
    const title = text.match(/^#\s+(.+)$/m)?.[1];
    if (title) form.append("title", title.trim());
    await api.post("/api/knowledge/sources", form);
  }
  const all = await api.waitSettled({ timeoutMs: 120_000 });
  const failed = all.filter((s) => s.status === "failed");
  if (failed.length)
    throw new Error(
      `demo knowledge: ${failed.length} articles failed: ${failed.map((f) => `${f.filename}: ${f.error}`).join("; ")}`,
    );
}
