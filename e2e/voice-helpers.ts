/** Helpers shared by the voice e2e tests (openai-client, vapi-replay) and nothing else. */

/** Adds the help-centre text the answers must come from, through the public knowledge API. */
export async function addDemoKnowledge(origin: string, token: string) {
  const text = [
    "To reset your Nimbus Notes password, open Settings, choose Account, then click Reset password. We email you a reset link that is valid for 30 minutes.",
    "The Pro plan costs 8 dollars per month and includes unlimited notebooks, offline mode and priority support.",
    "To export your notes, open File, choose Export, and pick Markdown or PDF.",
  ].join("\n\n");
  const r = await fetch(`${origin}/api/knowledge/sources`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ type: "text", title: "Nimbus Notes account help", text }),
  });
  const src = (await r.json()) as { id: string };
  for (let i = 0; i < 200; i++) {
    const s = (await (
      await fetch(`${origin}/api/knowledge/sources/${src.id}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { status: string };
    if (s.status === "ready") return;
    if (s.status === "failed") throw new Error("knowledge ingest failed");
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("knowledge source not ready in time");
}
