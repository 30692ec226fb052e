// Tickets and triage in the operator dashboard, in headless Chromium against the local server: a
// visitor asks for a person, the escalation opens a ticket, the operator finds it under Tickets,
// changes priority and status, summarises it, then in the conversation drafts a reply with AI,
// edits and sends it (the visitor receives it), corrects the category and opens a ticket for another
// conversation. Every UI action is checked against the API or the visitor's socket. Screenshots go
// to artifacts/screenshots/ (gitignored).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, screenshot, until, type LocalServer, openDashboard, e2ePort } from "./harness";

const PORT = e2ePort(8850);

type Frame = Record<string, unknown>;
type Ticket = {
  id: string;
  conversationId: string;
  subject: string;
  status: string;
  priority: string;
  source: string;
  categoryId: string | null;
  events?: { kind: string }[];
};
type Triage = { categoryId: string | null; categorySource: string | null };

/** A visitor over the real widget protocol, from Node (as e2e/dashboard.test.ts does). */
async function startVisitor(origin: string, botKey: string, name: string) {
  const r = await fetch(`${origin}/api/widget/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: "http://127.0.0.1:8851" },
    body: JSON.stringify({ botKey, visitor: { name, email: `${name.split(" ")[0]!.toLowerCase()}@example.com` } }),
  });
  const session = (await r.json()) as { wsUrl: string; conversationId: string };
  expect(r.status, JSON.stringify(session)).toBe(200);
  const frames: Frame[] = [];
  const ws = new WebSocket(session.wsUrl);
  ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data)) as Frame));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error("visitor socket failed")), { once: true });
  });
  ws.send(JSON.stringify({ type: "hello", lastSeq: 0 }));
  // keep-alive as the widget's transport does: this visitor sits idle while the operator works
  const pinger = setInterval(() => ws.send(JSON.stringify({ type: "ping" })), 15_000);
  let closed = "";
  ws.addEventListener("close", (e) => (closed = `visitor socket closed: ${e.code} ${e.reason}`));
  /** Sends a message; `then` runs right after (same socket, so the room sees it next); resolves with the message's seq from its echo. */
  const say = async (text: string, then?: () => void) => {
    const cid = `c-${Date.now()}-${Math.random()}`;
    ws.send(JSON.stringify({ type: "msg", cid, text }));
    then?.();
    const echo = await until(`the echo of "${text}"`, () => {
      if (closed) throw new Error(closed);
      return frames.find((f) => f.type === "msg" && f.cid === cid);
    });
    return echo.seq as number;
  };
  return {
    conversationId: session.conversationId,
    frames,
    say,
    askForHuman: () => ws.send(JSON.stringify({ type: "human" })),
    closed: () => closed,
    close: () => {
      clearInterval(pinger);
      ws.close();
    },
  };
}

describe("tickets and triage in the dashboard", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const call = <T>(method: string, path: string, body?: unknown) =>
    api<T>(server.origin, server.demo.token, method, path, body);
  const categories: Record<string, string> = {};
  let visitor: Awaited<ReturnType<typeof startVisitor>>;
  let ticket: Ticket;
  const SUBJECT = "My notes are not syncing between my phone and my laptop since yesterday";
  const QUESTION = "How do I export my notes to PDF?";

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-tickets-", pageErrors));
  });

  // a failing case prints the server's last log lines (a dropped socket says why there)
  afterEach((ctx) => {
    if (ctx.task.result?.state === "fail") console.log(`server log tail:\n${server?.output().slice(-6000)}`);
  });

  afterAll(async () => {
    visitor?.close();
    await browser?.close();
    await server?.stop();
  });

  it("creates categories, and a visitor who asks for a person gets a ticket by escalation", async () => {
    for (const c of [
      {
        name: "Mobile app",
        priority: "normal",
        examples: [
          "The iPhone app crashes on start",
          "The Android app will not open",
          "Notifications do not show on my phone",
          "The tablet app is slow",
        ],
      },
      {
        name: "Collaboration",
        priority: null,
        examples: [
          "How do I share a notebook with my team?",
          "My colleague cannot see the shared note",
          "Can two people edit a note at once?",
          "Remove someone from a shared notebook",
        ],
      },
    ]) {
      const r = await call<{ id: string }>("POST", "/api/categories", c);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      categories[c.name] = r.body.id;
    }

    // an answer the AI can ground, for the draft and for a conversation that needs no person
    const qa = await call<{ id: string }>("POST", "/api/knowledge/sources", {
      type: "qa",
      question: QUESTION,
      answer: "Open the notebook, choose File then Export, and pick PDF. Exports include images and tags.",
    });
    expect(qa.status, JSON.stringify(qa.body)).toBeLessThan(300);
    await until(
      "the Q&A to be ready",
      async () =>
        (await call<{ status: string }>("GET", `/api/knowledge/sources/${qa.body.id}`)).body.status === "ready",
      60_000,
    );

    visitor = await startVisitor(server.origin, server.demo.botKey, "Tess Ticket");
    // the ask follows the message at once: the room hands off before the AI's answer could
    await visitor.say(SUBJECT, visitor.askForHuman);
    const handoff = await until("the hand-off to a person", () =>
      visitor.frames.find((f) => f.type === "mode" && f.mode === "human"),
    );
    expect(handoff.reason).toBe("asked_for_human");
    const found = await until(
      "the escalation ticket",
      async () =>
        (await call<{ data: Ticket[] }>("GET", `/api/tickets?conversationId=${visitor.conversationId}`)).body.data[0],
    );
    expect(found.source).toBe("escalation");
    expect(found.subject).toBe(SUBJECT);
    // the escalation raced the classifier; the ticket still ends up with the conversation's category
    const triage = await until(
      "the conversation's category",
      async () => (await call<Triage>("GET", `/api/conversations/${visitor.conversationId}/triage`)).body.categoryId,
    );
    const labelled = await until("the ticket's category", async () => {
      const t = (await call<Ticket>("GET", `/api/tickets/${found.id}`)).body;
      return t.categoryId && t;
    });
    expect(labelled.categoryId).toBe(triage);
    ticket = labelled;
  });

  it("signs in and finds the ticket under Tickets, with its priority and SLA in words", async () => {
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tickets" }).click();
    await page.getByRole("heading", { name: "Tickets", level: 1 }).waitFor();
    expect(page.url()).toMatch(/\/app\/tickets$/);
    const row = page.locator("li.ticket", { hasText: SUBJECT });
    await row.waitFor();
    const text = (await row.textContent()) ?? "";
    expect(text).toContain({ urgent: "Urgent", high: "High", normal: "Normal", low: "Low" }[ticket.priority]);
    expect(text).toContain("Open");
    expect(text).toMatch(/First response due in \d+ (min|h)/);
    expect(text).toContain("Unassigned");

    // the filters go to the server: no pending tickets yet, then back to the live ones
    await page.getByLabel("Status").selectOption("pending");
    await page.getByText("No tickets match these filters").waitFor();
    await page.getByLabel("Status").selectOption("live");
    await page.getByLabel("Assignee").selectOption("unassigned");
    await row.waitFor();
    await screenshot(page, "tickets-list");
  });

  it("opens the ticket, changes priority and status (the API agrees) and summarises it", async () => {
    await page.locator("li.ticket", { hasText: SUBJECT }).getByRole("link").click();
    await page.getByRole("heading", { name: SUBJECT, level: 1 }).waitFor();
    expect(page.url()).toContain(`/app/tickets/${ticket.id}`);
    await page.getByText("Escalated: asked for a person.").waitFor();
    await expect(page.locator(".events").textContent()).resolves.toMatch(/Opened by escalation \(asked for a person\)/);

    const target = ticket.priority === "urgent" ? "low" : "urgent";
    // the classifier may already have raised it to its category's floor: count, don't assume none
    const priorityEvents = page.locator(".events li", { hasText: /^Priority: / });
    const before = await priorityEvents.count();
    await page.getByLabel("Priority").selectOption(target);
    await until(
      "the priority change in the API",
      async () => (await call<Ticket>("GET", `/api/tickets/${ticket.id}`)).body.priority === target,
    );
    await until("the priority event in the history", async () => (await priorityEvents.count()) === before + 1);

    await page.getByLabel("Status").selectOption("pending");
    await until(
      "the status change in the API",
      async () => (await call<Ticket>("GET", `/api/tickets/${ticket.id}`)).body.status === "pending",
    );
    await page.locator(".events li", { hasText: "Status: Open → Pending" }).waitFor();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    // pending counts as the first response
    await page.getByText("First response met").waitFor();

    await page.getByRole("button", { name: "Summarise" }).click();
    const summary = page.locator(".summary-text");
    await summary.waitFor();
    await expect(summary.textContent()).resolves.toMatch(/The customer wrote: "My notes are not syncing/);
    await screenshot(page, "ticket-detail");
    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, "ticket-detail-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("drafts a reply in the conversation, sends the edited draft to the visitor and corrects the category", async () => {
    const seq = await visitor.say(QUESTION);
    // drafts read the conversation's D1 copy, which follows the room within a second or two
    await until(
      "a draft answering the latest message",
      async () =>
        (await call<{ replyingTo: number }>("POST", `/api/conversations/${visitor.conversationId}/draft`)).body
          .replyingTo === seq,
    );

    await page.getByRole("link", { name: "Open conversation" }).click();
    await page.getByRole("heading", { name: "Tess Ticket" }).waitFor();
    await page.locator(".messages li.msg.visitor", { hasText: "export my notes to PDF" }).waitFor();
    await page.getByRole("link", { name: /^Ticket · (Urgent|Low) · Pending$/ }).waitFor();

    await page.getByRole("button", { name: "Summary", exact: true }).click();
    await expect(page.getByRole("region", { name: "Conversation summary" }).textContent()).resolves.toMatch(
      /The customer wrote/,
    );

    const drafted = page.waitForResponse(
      (r) => r.url().endsWith(`/api/conversations/${visitor.conversationId}/draft`) && r.request().method() === "POST",
    );
    await page.getByRole("button", { name: "Draft reply" }).click();
    const draft = (await (await drafted).json()) as { draft: string };
    expect(draft.draft.length).toBeGreaterThan(0);
    const reply = page.getByLabel("Reply");
    await until("the draft in the reply box", async () => (await reply.inputValue()) === draft.draft);
    await screenshot(page, "conversation-draft");

    await reply.press("Control+End");
    await reply.pressSequentially(" Sam from support");
    const sent = `${draft.draft} Sam from support`.trim();
    await reply.press("Enter");
    const got = await until(
      "the agent message at the visitor",
      () =>
        visitor.frames.find((f) => f.type === "msg" && f.role === "agent") ??
        (visitor.closed() ? Promise.reject(new Error(visitor.closed())) : undefined),
    );
    expect(got.text).toBe(sent);
    await expect(reply.inputValue()).resolves.toBe("");

    const before = (await call<Triage>("GET", `/api/conversations/${visitor.conversationId}/triage`)).body;
    const target = before.categoryId === categories["Mobile app"] ? "Collaboration" : "Mobile app";
    await page.getByLabel("Category", { exact: true }).selectOption({ label: target });
    const after = await until("the corrected category in the API", async () => {
      const t = (await call<Triage>("GET", `/api/conversations/${visitor.conversationId}/triage`)).body;
      return t.categoryId === categories[target] && t;
    });
    expect(after.categorySource).toBe("operator");
    // the live ticket follows the correction
    await expect(call<Ticket>("GET", `/api/tickets/${ticket.id}`).then((r) => r.body.categoryId)).resolves.toBe(
      categories[target],
    );
    await page.getByText("set by an operator").waitFor();
    await screenshot(page, "conversation-triage");
  });

  it("opens a ticket from a conversation that has none", async () => {
    const other = await startVisitor(server.origin, server.demo.botKey, "Otto Other");
    try {
      // a question the knowledge base answers: no hand-off, so no ticket yet
      const seq = await other.say(QUESTION);
      await until("the AI's answer", () =>
        other.frames.some((f) => f.type === "msg" && f.role === "ai" && (f.seq as number) > seq),
      );
      expect(
        other.frames.some((f) => f.type === "mode"),
        JSON.stringify(other.frames),
      ).toBe(false);
      expect(
        (await call<{ data: Ticket[] }>("GET", `/api/tickets?conversationId=${other.conversationId}`)).body.data,
      ).toEqual([]);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Inbox/ }).click();
      await page.locator("li.conv", { hasText: "Otto Other" }).getByRole("link").click();
      await page.getByRole("heading", { name: "Otto Other" }).waitFor();
      await page.getByRole("button", { name: "Open ticket" }).click();
      await page.getByRole("link", { name: /^Ticket · \w+ · Open$/ }).waitFor();
      const made = (await call<{ data: Ticket[] }>("GET", `/api/tickets?conversationId=${other.conversationId}`)).body
        .data;
      expect(made.map((t) => t.source)).toEqual(["operator"]);
    } finally {
      other.close();
    }
  });

  it("shows a ticket opened elsewhere in the open list without a reload", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tickets" }).click();
    await page.getByRole("heading", { name: "Tickets", level: 1 }).waitFor();
    await page.getByLabel("Status").selectOption("live");
    await page.getByLabel("Assignee").selectOption("anyone");
    await page.locator("li.ticket").first().waitFor();
    const late = await startVisitor(server.origin, server.demo.botKey, "Lena Late");
    try {
      await late.say("The web clipper stopped saving pages to my notebook", late.askForHuman);
      // no navigation, no Refresh click: the tenant hub's ticket.changed event brings the row
      await page.locator("li.ticket", { hasText: "The web clipper stopped saving pages" }).waitFor({ timeout: 15_000 });
    } finally {
      late.close();
    }
  });

  it("fits a phone screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // on a phone the sections sit behind the Menu button (issue 22)
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("button", { name: /^Menu/ }).click();
    await nav.getByRole("link", { name: "Tickets" }).click();
    await page.locator("li.ticket", { hasText: SUBJECT }).waitFor();
    await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
    await screenshot(page, "tickets-phone");
    await page.locator("li.ticket", { hasText: SUBJECT }).getByRole("link").click();
    await page.getByRole("heading", { name: SUBJECT, level: 1 }).waitFor();
    await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
    await screenshot(page, "ticket-phone");
  });

  it("raised no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
