/**
 * Billing (issue 15): the plan in force, this period's usage meters with the period's dates,
 * upgrade (Stripe Checkout), manage (Customer Portal), invoices, prepaid credits, the monthly AI
 * budget caps and the over-quota choice, for the workspace and per bot.
 */
import { useState } from "preact/hooks";
import { request } from "../api";
import { canManageBilling } from "../models/session";
import { Done, ErrorNote, Field, fieldError, Loading, Select, useAction, useLoad } from "../ui/kit";

type Meter = { used: number; limit: number | null };
type Choice = "handoff" | "embedded";
type Billing = {
  plan: string;
  planName: string;
  status: string;
  periodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  overQuota: boolean;
  overQuotaChoice: Choice;
  budgetCapMicros: number | null;
  mode: "stripe" | "embedded";
  paymentIssue: boolean;
  period: { id: string; start: string; end: string };
  usage: { aiAnswers: Meter; voiceMinutes: Meter; bots: Meter; seats: Meter; costMicros: number };
  credits: { granted: number; spent: number; available: number };
  bots: {
    botId: string;
    name: string;
    overQuotaChoice: Choice | null;
    budgetCapMicros: number | null;
    costMicros: number;
  }[];
  creditPacks: { id: string; name: string; answers: number; priceCents: number }[];
  plans: {
    id: string;
    name: string;
    priceCents: number;
    aiAnswers: number | null;
    purchasable: boolean;
    channels: string[];
    features: string[];
  }[];
  planLocks: boolean;
};

const NAMES: Record<string, string> = {
  chat: "chat",
  email: "email",
  voice: "voice",
  whatsapp: "WhatsApp",
  api_access: "API",
  analytics_history: "analytics history",
  sso: "SSO",
  white_label: "white-label",
};
/** What a plan includes, in words: its channels, then its features. */
const includes = (p: Billing["plans"][number]) => [...p.channels, ...p.features].map((x) => NAMES[x] ?? x).join(", ");
type Invoice = {
  id: string;
  number: string | null;
  status: string | null;
  total: number;
  currency: string;
  created: string;
  hostedUrl: string | null;
};

const money = (micros: number) => `$${(micros / 1e6).toFixed(2)}`;
const cents = (c: number, currency = "usd") =>
  new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).format(c / 100);
const day = (iso: string) =>
  new Date(iso).toLocaleDateString("en", { year: "numeric", month: "short", day: "numeric" });
const CHOICES = [
  ["handoff", "Hand new questions to a person"],
  ["embedded", "Answer with the built-in answerer"],
] as const;

function UsageMeter({ label, m }: { label: string; m: Meter }) {
  const id = `meter-${label.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  const pct = m.limit ? Math.min(100, Math.round((m.used / m.limit) * 100)) : 0;
  return (
    <div class="field">
      <span id={id}>{label}</span>
      {m.limit === null ? (
        <p>{m.used} used · unlimited</p>
      ) : (
        <>
          <meter aria-labelledby={id} min={0} max={m.limit} low={m.limit * 0.8} high={m.limit} value={m.used} />
          <p class="muted">
            {m.used} of {m.limit} ({pct}%)
          </p>
        </>
      )}
    </div>
  );
}

/**
 * Statuses in which the Stripe subscription still bills: its plan changes in the Portal, and a
 * Checkout would start a second subscription (the server refuses it, domain/billing/checkout.ts).
 */
const BILLED = ["active", "trialing", "past_due", "unpaid"];

/** How the plan line names the period end: a subscription that renews, ends, or has ended (now on the default plan). */
function periodEndWord(d: Billing) {
  if (d.status === "canceled" && d.periodEnd && Date.parse(d.periodEnd) <= Date.now()) return "subscription ended";
  return d.cancelAtPeriodEnd || d.status === "canceled" ? "ends" : "renews";
}

/** Dollars typed by a person → micro-dollars (empty: no cap). */
const toMicros = (s: string) => (s.trim() === "" ? null : Math.round(Number(s) * 1e6));

export function Billing() {
  const b = useLoad(() => request<Billing>("GET", "/api/billing"));
  const invoices = useLoad(() => request<{ data: Invoice[] }>("GET", "/api/billing/invoices"));
  const go = useAction(async (path: string, body?: unknown) => {
    const r = await request<{ url: string }>("POST", path, body === undefined ? {} : { body });
    location.assign(r.url);
  });
  const save = useAction(
    async (path: string, body: unknown) => b.set(await request<Billing>("PUT", path, { body })),
    "Saved.",
  );
  const [cap, setCap] = useState<string | null>(null);
  const d = b.data;
  if (!d)
    return (
      <main class="page" id="main">
        <h1>Billing</h1>
        <ErrorNote error={b.error} />
        {b.loading && <Loading />}
      </main>
    );
  const admin = canManageBilling.value;
  const subscribed = d.mode === "stripe" && BILLED.includes(d.status);
  return (
    <main class="page" id="main">
      <header class="page-head">
        <h1>Billing</h1>
        <p class="muted">
          {d.planName} plan · period {day(d.period.start)} – {day(d.period.end)}
          {d.mode === "embedded" && " · payments are not configured on this deployment"}
        </p>
      </header>
      {d.paymentIssue && (
        <p role="alert" class="card">
          A payment failed. Stripe is retrying; update your payment method in Manage billing.
        </p>
      )}
      {d.overQuota && (
        <p role="status" class="card">
          This period's AI answers are used up: bots follow the over-quota choice below.
        </p>
      )}
      <ErrorNote error={go.error} />
      <section class="card" aria-labelledby="h-usage">
        <h2 id="h-usage">Usage this period</h2>
        <UsageMeter label="AI answers" m={d.usage.aiAnswers} />
        <UsageMeter label="Voice minutes" m={d.usage.voiceMinutes} />
        <UsageMeter label="Bots" m={d.usage.bots} />
        <UsageMeter label="Seats" m={d.usage.seats} />
        <p>AI cost this period: {money(d.usage.costMicros)}</p>
      </section>
      <section class="card" aria-labelledby="h-plan">
        <h2 id="h-plan">Plan</h2>
        <p>
          <strong>{d.planName}</strong> ({d.status}){d.periodEnd && ` · ${periodEndWord(d)} ${day(d.periodEnd)}`}
        </p>
        <ul class="plain">
          {d.plans.map((p) => (
            <li key={p.id}>
              {p.name}: {cents(p.priceCents)}/month, {p.aiAnswers === null ? "unlimited" : p.aiAnswers} AI answers
              {d.planLocks && <span class="muted small"> · {includes(p)}</span>}{" "}
              {p.id !== d.plan && p.purchasable && admin && !subscribed && (
                <button
                  type="button"
                  class="btn small"
                  disabled={go.busy}
                  onClick={() => void go.run("/api/billing/checkout", { plan: p.id })}
                >
                  Upgrade to {p.name}
                </button>
              )}
            </li>
          ))}
        </ul>
        {d.mode === "stripe" && admin && (
          <>
            {subscribed && <p class="muted">Change or cancel the plan in Manage billing.</p>}
            <button type="button" class="btn" disabled={go.busy} onClick={() => void go.run("/api/billing/portal")}>
              Manage billing
            </button>
          </>
        )}
      </section>
      <section class="card" aria-labelledby="h-credits">
        <h2 id="h-credits">Credits</h2>
        <p>
          {d.credits.available} prepaid AI answers left ({d.credits.spent} of {d.credits.granted} spent). Credits pay
          for answers past the plan's quota.
        </p>
        {d.mode === "stripe" && admin && (
          <div class="row">
            {d.creditPacks.map((p) => (
              <button
                key={p.id}
                type="button"
                class="btn small"
                disabled={go.busy}
                onClick={() => void go.run("/api/billing/credits/checkout", { pack: p.id })}
              >
                Buy {p.name} ({cents(p.priceCents)})
              </button>
            ))}
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="h-caps">
        <h2 id="h-caps">Over quota and AI budget</h2>
        {admin ? (
          <>
            <Select
              label="When AI answers or the budget run out"
              value={d.overQuotaChoice}
              options={CHOICES}
              onValue={(v) => void save.run("/api/billing/settings", { overQuotaChoice: v })}
            />
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void save
                  .run("/api/billing/settings", { budgetCapMicros: toMicros(cap ?? "") })
                  .then((ok) => ok && setCap(null));
              }}
            >
              <Field
                label="Monthly AI budget cap, US$ (empty: none)"
                type="number"
                min={0}
                step="0.01"
                value={cap ?? (d.budgetCapMicros === null ? "" : String(d.budgetCapMicros / 1e6))}
                onValue={setCap}
                error={fieldError(save.fields, "budgetCapMicros")}
              />
              <ErrorNote error={save.summary(["budgetCapMicros"])} />
              <Done text={save.done} />
              <button class="btn" type="submit" disabled={save.busy}>
                Save cap
              </button>
            </form>
          </>
        ) : (
          <p class="muted">Only the workspace owner changes plans, caps and credits.</p>
        )}
        <div style={{ overflowX: "auto" }}>
          <table>
            <caption>Per bot</caption>
            <thead>
              <tr>
                <th scope="col">Bot</th>
                <th scope="col">Cost this period</th>
                <th scope="col">Over quota</th>
                <th scope="col">Budget cap (US$)</th>
              </tr>
            </thead>
            <tbody>
              {d.bots.map((bot) => (
                <tr key={bot.botId}>
                  <th scope="row">{bot.name}</th>
                  <td>{money(bot.costMicros)}</td>
                  <td>
                    <Select
                      label={`Over quota: ${bot.name}`}
                      hideLabel
                      value={bot.overQuotaChoice ?? "default"}
                      options={[["default", "Workspace default"], ...CHOICES] as const}
                      onValue={(v) =>
                        void save.run(`/api/billing/bots/${bot.botId}`, { overQuotaChoice: v === "default" ? null : v })
                      }
                    />
                  </td>
                  <td>
                    <input
                      type="number"
                      min={0}
                      step="0.01"
                      aria-label={`Budget cap: ${bot.name}`}
                      disabled={!admin}
                      value={bot.budgetCapMicros === null ? "" : String(bot.budgetCapMicros / 1e6)}
                      onChange={(e) =>
                        void save.run(`/api/billing/bots/${bot.botId}`, {
                          budgetCapMicros: toMicros(e.currentTarget.value),
                        })
                      }
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="card" aria-labelledby="h-invoices">
        <h2 id="h-invoices">Invoices</h2>
        <ErrorNote error={invoices.error} />
        {invoices.data && invoices.data.data.length === 0 && <p class="muted">No invoices yet.</p>}
        <ul class="plain">
          {invoices.data?.data.map((i) => (
            <li key={i.id}>
              {day(i.created)} · {i.number ?? i.id} · {cents(i.total, i.currency)} · {i.status}
              {i.hostedUrl && (
                <>
                  {" "}
                  ·{" "}
                  <a href={i.hostedUrl} target="_blank" rel="noopener noreferrer">
                    View
                  </a>
                </>
              )}
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
