// Demo triage data for the seeded tenant: ticket categories with example messages (the embedded
// classifier trains on them) and SLA targets. Idempotent: categories that exist are left alone.
const CATEGORIES = [
  {
    name: "Billing",
    priority: "high",
    description: "Charges, invoices, refunds, plan changes",
    examples: [
      "I was charged twice this month",
      "Please refund my last payment",
      "My invoice shows the wrong amount",
      "How do I change my plan?",
      "Why was my card charged after I cancelled?",
      "I need a copy of my invoice for my accountant",
    ],
  },
  {
    name: "Login & account",
    priority: null,
    description: "Sign-in, passwords, two-factor, account deletion",
    examples: [
      "I can't log in",
      "The password reset email never arrives",
      "My two-factor code is not working",
      "How do I delete my account?",
      "I'm locked out of my account",
      "Can I change the email address I sign in with?",
    ],
  },
  {
    name: "Sync & data",
    priority: "high",
    description: "Notes missing, sync conflicts, lost data",
    examples: [
      "My notes are not syncing between my phone and laptop",
      "Some of my notes disappeared",
      "I see duplicate notes after syncing",
      "Sync has been stuck for hours",
      "I lost everything I wrote yesterday",
    ],
  },
  {
    name: "Export & import",
    priority: "low",
    description: "PDF/Markdown export, importing from other apps",
    examples: [
      "How do I export my notes to PDF?",
      "Can I import my notes from Evernote?",
      "Export to Markdown is missing images",
      "How do I back up all my notes?",
      "Import from a ZIP file fails",
    ],
  },
  {
    name: "Bug report",
    priority: null,
    description: "Crashes, errors, things that look broken",
    examples: [
      "The app crashes when I open a notebook",
      "I get an error when I attach a file",
      "The editor freezes when I paste a table",
      "Dark mode text is unreadable",
      "Search does not find notes I know exist",
    ],
  },
];

export default async function seedTriage(origin, demo) {
  const headers = { "content-type": "application/json", authorization: `Bearer ${demo.token}` };
  const existing = await (await fetch(`${origin}/api/categories`, { headers })).json();
  const have = new Set((existing.data ?? []).map((c) => c.name));
  for (const c of CATEGORIES) {
    if (have.has(c.name)) continue;
    const r = await fetch(`${origin}/api/categories`, { method: "POST", headers, body: JSON.stringify(c) });
    if (r.status !== 201) throw new Error(`seed category ${c.name}: ${r.status} ${await r.text()}`);
  }
}
