import type { Channel, CreditPack, Feature, Plan } from "../domain/billing/plans";

/**
 * The public landing page at `/` as one static HTML string: no script, no framework, one inline
 * stylesheet (a few KB in all). Plans, prices, entitlements and credit packs are rendered from the
 * catalogue it is given (domain/billing/plans.ts), so the page and Checkout never disagree; the
 * words around them are the only copy written here.
 */

const CHANNEL_NAMES: Record<Channel, string> = {
  chat: "website chat",
  voice: "phone calls",
  email: "email",
  whatsapp: "WhatsApp",
};

const FEATURE_NAMES: Record<Feature, string> = {
  api_access: "REST API and OpenAI-compatible endpoint",
  sso: "single sign-on (OpenID Connect)",
  white_label: "white-label widget",
  analytics_history: "analytics history",
};

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const num = (n: number) => n.toLocaleString("en-US");
const dollars = (cents: number) =>
  `$${num(Math.floor(cents / 100))}${cents % 100 ? `.${String(cents % 100).padStart(2, "0")}` : ""}`;
/** A unit price in millionths of a dollar: `$0.02`, `$0.035`. */
const microDollars = (micros: number) =>
  `$${(micros / 1e6).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;
const amount = (n: number | null, unit: string) => (n === null ? `Unlimited ${unit}` : `${num(n)} ${unit}`);

function overageLine(p: Plan): string {
  if (p.limits.aiAnswers === null) return "No answer quota";
  if (p.overage.kind === "metered")
    return `Past the quota: ${microDollars(p.overage.unitPriceMicros)} an answer, billed monthly`;
  return "Past the quota: your choice of a person or the built-in answerer";
}

function planCard(p: Plan): string {
  const items = [
    `${amount(p.limits.aiAnswers, "AI answers")} a month`,
    `${amount(p.limits.voiceMinutes, "voice minutes")}${p.limits.voiceMinutes === null ? "" : " a month"}`,
    amount(p.limits.seats, "seats"),
    amount(p.limits.bots, "bots"),
    `Channels: ${p.channels.map((c) => CHANNEL_NAMES[c]).join(", ")}`,
    ...p.features.map((f) =>
      f === "analytics_history" ? `${num(p.analyticsDays)} days of ${FEATURE_NAMES[f]}` : FEATURE_NAMES[f],
    ),
    overageLine(p),
  ];
  const cta = p.priceCents === 0 ? "Sign up free" : `Start with ${p.name}`;
  return `<li class="plan" id="plan-${esc(p.id)}">
<h3>${esc(p.name)}</h3>
<p class="price"><strong>${dollars(p.priceCents)}</strong> <span>per month</span></p>
<ul>${items.map((i) => `<li>${esc(i)}</li>`).join("")}</ul>
<a class="button" href="/app/signup" aria-label="${esc(cta)}: the ${esc(p.name)} plan">${esc(cta)}</a>
</li>`;
}

const STYLE = `
:root{--ink:#17202e;--muted:#4a5568;--line:#d9dee8;--bg:#fff;--soft:#f3f6fb;--brand:#1d4ed8;--on-brand:#fff;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--ink:#e8edf5;--muted:#b4bfd0;--line:#334155;--bg:#0f172a;--soft:#17223a;--brand:#93b4ff;--on-brand:#0b1220}}
*{box-sizing:border-box}
body{margin:0;font:17px/1.6 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--brand)}
a:focus-visible{outline:3px solid var(--brand);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:12px;top:12px;background:var(--bg);padding:6px 10px}
header{display:flex;flex-wrap:wrap;gap:8px 20px;align-items:center;justify-content:space-between;padding:16px 5vw;border-bottom:1px solid var(--line)}
.logo{font-weight:700;font-size:22px;text-decoration:none;color:var(--ink)}
nav ul{display:flex;flex-wrap:wrap;gap:4px 18px;margin:0;padding:0;list-style:none}
.hero{padding:56px 5vw 40px;background:var(--soft)}
.hero h1{font-size:clamp(30px,5vw,48px);line-height:1.15;margin:0 0 14px;max-width:18em}
.hero p{max-width:36em;margin:0 0 20px;color:var(--muted)}
.button{display:inline-block;padding:11px 20px;border-radius:8px;background:var(--brand);color:var(--on-brand);font-weight:600;text-decoration:none}
.button.ghost{background:transparent;color:var(--brand);border:2px solid var(--brand);margin-left:8px}
section{padding:40px 5vw}
h2{font-size:28px;margin:0 0 18px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:20px;margin:0;padding:0;list-style:none}
.card,.plan{border:1px solid var(--line);border-radius:12px;padding:20px;background:var(--bg)}
.card h3,.plan h3{margin:0 0 6px;font-size:20px}
.card p{margin:0;color:var(--muted)}
.plan{display:flex;flex-direction:column}
.plan ul{padding-left:20px;margin:8px 0 18px;flex:1}
.price{margin:0}.price strong{font-size:32px}.price span{color:var(--muted)}
footer{padding:28px 5vw;border-top:1px solid var(--line);color:var(--muted);font-size:15px}
`;

const SHOWCASE: [string, string][] = [
  [
    "Grounded answers",
    "Answers come from your own documents, with their sources, and an honest “I don't know” otherwise.",
  ],
  ["A person when it matters", "Frustrated customers and hard questions go to your team, with the whole conversation."],
  [
    "Every channel, one inbox",
    "Website chat, phone calls, email and WhatsApp land in one live inbox for your operators.",
  ],
  ["Built for the edge", "Runs on Cloudflare Workers and Durable Objects, close to your customers."],
];

export function renderLanding(input: { plans: readonly Plan[]; creditPacks: readonly CreditPack[] }): string {
  const packs = input.creditPacks.map((p) => `${esc(p.name)} for ${dollars(p.priceCents)}`).join(" · ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Echo — AI customer support on every channel</title>
<meta name="description" content="Echo answers your customers by chat, phone, email and WhatsApp from your own documents, and hands over to a person when it matters.">
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<a class="logo" href="/">Echo</a>
<nav aria-label="Main"><ul>
<li><a href="#pricing">Pricing</a></li>
<li><a href="/demo/">Demo</a></li>
<li><a href="/api/openapi.json">API docs</a></li>
<li><a href="/app/login">Sign in</a></li>
</ul></nav>
</header>
<main id="main">
<div class="hero">
<h1>Customer support that answers on every channel</h1>
<p>Echo answers your customers by website chat, phone, email and WhatsApp, grounded in your own documents, and hands the conversation to your team when it matters.</p>
<a class="button" href="/app/signup">Sign up free</a><a class="button ghost" href="/demo/">See the demo</a>
</div>
<section aria-labelledby="features-title">
<h2 id="features-title">What Echo does</h2>
<ul class="grid">${SHOWCASE.map(([h, p]) => `<li class="card"><h3>${esc(h)}</h3><p>${esc(p)}</p></li>`).join("")}</ul>
</section>
<section id="pricing" aria-labelledby="pricing-title">
<h2 id="pricing-title">Plans and prices</h2>
<ul class="grid">${input.plans.map(planCard).join("")}</ul>
${packs ? `<p>Need more answers on a plan without overage? Credit packs: ${packs}. Credits never expire.</p>` : ""}
</section>
</main>
<footer>
<p>Echo · <a href="/app/signup">Sign up</a> · <a href="/demo/">Demo site</a> · <a href="/api/openapi.json">API reference (OpenAPI)</a> · <a href="/health">Status</a></p>
</footer>
</body>
</html>`;
}
