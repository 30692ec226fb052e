// The hosted pages of the local Stripe fake (scripts/stripe-fake.mjs): a Checkout page with a Pay
// button, a Customer Portal page with "Switch to …", "Cancel plan" and "Renew plan", an invoice page. Plain HTML forms, no script,
// so a person and the browser test click the same thing. Not Stripe's pages: just enough of them.

const esc = (s) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
const money = (cents, currency = "usd") =>
  new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
const day = (seconds) =>
  new Date(seconds * 1000).toLocaleDateString("en", {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });

function layout(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Stripe (local)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1a2e}
.card{border:1px solid #d0d4dc;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
form{margin:.5rem 0}button{font:inherit;padding:.5rem 1.25rem;border-radius:6px;border:0;background:#635bff;color:#fff;cursor:pointer}
button.danger{background:#c0123c}label{display:block;margin:.5rem 0}input{font:inherit;padding:.25rem .5rem;width:100%;box-sizing:border-box}
.muted{color:#5a6072;font-size:.9rem}</style></head>
<body><p class="muted">Local Stripe-compatible test server — no money moves.</p>${body}</body></html>`;
}

/** @param {any} session the Checkout Session @param {{product: string, unit_amount: number, interval: string | null} | undefined} price */
export function checkoutPage(session, price) {
  const amount = price
    ? `${money(price.unit_amount, session.currency)}${price.interval ? ` per ${price.interval}` : ""}`
    : "";
  return layout(
    "Checkout",
    `<main><h1>Pay ${esc(amount)}</h1>
<div class="card"><p><strong>${esc(price?.product ?? "")}</strong></p>
<p class="muted">${session.mode === "subscription" ? "Subscription" : "One-time payment"} · session ${esc(session.id)}</p></div>
<form method="post" action="/c/pay/${esc(session.id)}">
<label>Email <input type="email" name="email" autocomplete="email" value="${esc(session.customer_email ?? "")}"></label>
<p class="muted">Card 4242 4242 4242 4242 (test)</p>
<button type="submit">Pay</button></form>
${session.cancel_url ? `<p><a href="${esc(session.cancel_url)}">Back</a></p>` : ""}</main>`,
  );
}

/** @param {any} session the Portal session @param {any[]} subs the customer's subscriptions @param {Record<string, {product: string, unit_amount: number, interval: string | null}>} prices */
export function portalPage(session, subs, prices) {
  const rows = subs.map((s) => {
    const item = s.items.data[0];
    const p = prices[item.price.id];
    const live = ["active", "trialing", "past_due", "unpaid"].includes(s.status);
    const when = !live
      ? `Ended ${day(s.ended_at ?? item.current_period_end)}`
      : s.cancel_at_period_end
        ? `Cancels on ${day(item.current_period_end)}`
        : `Renews on ${day(item.current_period_end)}`;
    const form = (action, label, extra = "", cls = "") =>
      `<form method="post" action="/p/session/${esc(session.id)}/${action}"><input type="hidden" name="subscription" value="${esc(s.id)}">${extra}<button type="submit"${cls ? ` class="${cls}"` : ""}>${esc(label)}</button></form>`;
    // the portal configuration lets a customer switch among the account's recurring prices
    const switches =
      live && !s.cancel_at_period_end
        ? Object.entries(prices)
            .filter(([id, other]) => other.interval && id !== item.price.id)
            .map(([id, other]) =>
              form(
                "switch",
                `Switch to ${other.product} (${money(other.unit_amount)} per ${other.interval})`,
                `<input type="hidden" name="price" value="${esc(id)}">`,
              ),
            )
            .join("")
        : "";
    const actions = !live
      ? ""
      : s.cancel_at_period_end
        ? form("renew", "Renew plan")
        : `${switches}${form("cancel", "Cancel plan", "", "danger")}`;
    return `<section class="card"><h2>${esc(p?.product ?? item.price.id)}</h2>
<p>${p ? `${esc(money(p.unit_amount))} per ${esc(p.interval ?? "payment")}` : ""} · ${esc(s.status)}</p><p>${esc(when)}</p>${actions}</section>`;
  });
  return layout(
    "Manage billing",
    `<main><h1>Manage billing</h1>${rows.join("") || "<p>No subscriptions.</p>"}
${session.return_url ? `<p><a href="${esc(session.return_url)}">Return</a></p>` : ""}</main>`,
  );
}

/** @param {any} invoice */
export function invoicePage(invoice) {
  return layout(
    "Invoice",
    `<main><h1>Invoice ${esc(invoice.number ?? invoice.id)}</h1><div class="card">
<p>${esc(money(invoice.total, invoice.currency))} · ${esc(invoice.status)} · ${esc(day(invoice.created))}</p>
<ul>${(invoice.lines?.data ?? []).map((l) => `<li>${esc(l.description)} — ${esc(money(l.amount, l.currency))}</li>`).join("")}</ul></div></main>`,
  );
}

/** A page for a session or invoice that does not exist or is closed, with a way back when there is one. */
export function closedPage(message, back) {
  return layout(
    "Closed",
    `<main><h1>${esc(message)}</h1>${back ? `<p><a href="${esc(back)}">Return</a></p>` : ""}</main>`,
  );
}
