// The demo tenant, created through the public API so the seed can never bypass validation and
// is idempotent: signup the first time, login after. Only ever pointed at a local server.
export const DEMO = {
  email: "demo@echo.local",
  password: "echo-demo-password",
  company: "Nimbus Notes",
  name: "Dana Demo",
};

async function post(origin, path, body, token) {
  const r = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/**
 * Signup answers 202 for new and existing addresses alike (it never reveals accounts) and mails a
 * confirmation link; a development server also returns that link's token as `devToken`, which we
 * confirm. No `devToken` means the demo account exists already, so we sign in.
 */
export async function seedDemo(origin) {
  let s = await post(origin, "/api/auth/signup", DEMO);
  if (s.status !== 202) throw new Error(`demo seed failed: ${s.status} ${JSON.stringify(s.body)}`);
  const created = Boolean(s.body?.devToken);
  s = created
    ? await post(origin, "/api/auth/verify-email", { token: s.body.devToken })
    : await post(origin, "/api/auth/login", { email: DEMO.email, password: DEMO.password });
  if (s.status !== 200 && s.status !== 201) throw new Error(`demo seed failed: ${s.status} ${JSON.stringify(s.body)}`);
  const token = s.body.accessToken;
  const bots = await (await fetch(`${origin}/api/bots`, { headers: { authorization: `Bearer ${token}` } })).json();
  let bot = bots.data[0];
  if (created) {
    const r = await fetch(`${origin}/api/bots/${bot.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        name: "Nimbus Help",
        greeting: "Hi! I'm Nimbus Help. Ask me anything about Nimbus Notes.",
      }),
    });
    bot = await r.json();
  }
  const demo = {
    email: DEMO.email,
    password: DEMO.password,
    botKey: bot.publishableKey,
    botId: bot.id,
    tenantId: s.body.tenant.id,
    token,
  };
  for (const extra of await loadSeedExtras()) await extra(origin, demo, { created });
  return demo;
}

/** Feature areas add their demo data (knowledge base, categories) as scripts/seed-*.mjs modules. */
async function loadSeedExtras() {
  const { readdirSync } = await import("node:fs");
  const dir = new URL(".", import.meta.url);
  const files = readdirSync(dir)
    .filter((f) => /^seed-.+\.mjs$/.test(f))
    .sort();
  return Promise.all(files.map(async (f) => (await import(new URL(f, dir).href)).default));
}
