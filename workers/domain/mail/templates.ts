/**
 * One template per mail: a subject, plain text and simple HTML built from the same lines. Values are
 * HTML-escaped; links are the only markup. Tenant branding is its name for now (English only).
 */
export type RenderedMail = { subject: string; text: string; html: string };

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

type Line = string | { link: string; label: string };

function render(subject: string, lines: Line[]): RenderedMail {
  const text = lines.map((l) => (typeof l === "string" ? l : `${l.label}: ${l.link}`)).join("\n\n");
  const body = lines
    .map((l) => (typeof l === "string" ? `<p>${esc(l)}</p>` : `<p><a href="${esc(l.link)}">${esc(l.label)}</a></p>`))
    .join("\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">\n${body}\n</body></html>`;
  return { subject, text: `${text}\n`, html };
}

export function invitationMail(p: { workspace: string; role: string; link: string; expiresDays: number }) {
  return render(`You're invited to ${p.workspace} on Echo`, [
    `You have been invited to join ${p.workspace} on Echo as ${p.role}.`,
    { link: p.link, label: "Accept the invitation" },
    `The link works once and expires in ${p.expiresDays} days. If you already have an Echo account, sign in first; then open the link.`,
    "If you did not expect this, ignore this mail.",
  ]);
}

export function passwordResetMail(p: { link: string }) {
  return render("Reset your Echo password", [
    "Someone (hopefully you) asked to reset the password of your Echo account.",
    { link: p.link, label: "Choose a new password" },
    "The link works once and expires in one hour. Setting a new password signs you out everywhere.",
    "If you did not ask for this, ignore this mail; your password stays as it is.",
  ]);
}

export function verifyEmailMail(p: { workspace: string; link: string }) {
  return render("Confirm your email to create your Echo workspace", [
    `Confirm your email address to finish creating ${p.workspace} on Echo.`,
    { link: p.link, label: "Confirm and create the workspace" },
    "The link works once and expires in 24 hours. If you did not sign up, ignore this mail.",
  ]);
}

export function existingAccountMail(p: { signInLink: string; resetLink: string }) {
  return render("You already have an Echo account", [
    "Someone tried to sign up to Echo with this email address, which already has an account.",
    { link: p.signInLink, label: "Sign in" },
    { link: p.resetLink, label: "Forgot your password? Reset it" },
    "If this was not you, ignore this mail; nothing was changed.",
  ]);
}

/**
 * An answer in an email conversation (AI or agent): the message, its sources as links, and how to
 * go on. Paragraphs of the message stay paragraphs.
 */
export function conversationReplyMail(p: {
  subject: string;
  text: string;
  sources: { title: string; url: string | null }[];
  workspace: string;
}) {
  const linked = p.sources.filter((s): s is { title: string; url: string } => !!s.url);
  return render(p.subject, [
    ...p.text.split(/\n{2,}/).filter((l) => l.trim()),
    ...(linked.length ? ["Sources:", ...linked.map((s) => ({ link: s.url, label: s.title }))] : []),
    `— ${p.workspace} support. Reply to this mail to continue the conversation.`,
  ]);
}

/** To the agent routing assigned an escalated conversation. */
export function handoffAlertMail(p: {
  workspace: string;
  reason: string;
  priority: string;
  channel?: string;
  lastVisitorText: string | null;
  link: string;
}) {
  return render(`[${p.workspace}] A conversation is waiting for you`, [
    `A ${p.channel ? `${p.channel} ` : ""}conversation was handed to you (${p.reason}, priority ${p.priority}).`,
    ...(p.lastVisitorText ? [`The visitor wrote: "${p.lastVisitorText}"`] : []),
    { link: p.link, label: "Open the conversation" },
  ]);
}

/** To the workspace's owners and admins when a metered quota nears or reaches its limit. */
export function quotaWarningMail(p: { workspace: string; meter: string; used: number; limit: number; link: string }) {
  const pct = Math.floor((p.used / p.limit) * 100);
  return render(`[${p.workspace}] ${pct >= 100 ? "Quota reached" : `${pct}% of your quota used`}: ${p.meter}`, [
    `${p.workspace} has used ${p.used} of ${p.limit} ${p.meter} this period (${pct}%).`,
    pct >= 100
      ? "New usage of this kind is refused until the period resets or the plan changes."
      : "When the limit is reached, new usage of this kind is refused until the period resets.",
    { link: p.link, label: "Review usage and plan" },
  ]);
}

/** The conversation as the visitor saw it, on their request. */
export function transcriptMail(p: { workspace: string; lines: { who: string; at: string; text: string }[] }) {
  return render(`Your conversation with ${p.workspace}`, [
    `Here is the transcript of your conversation with ${p.workspace}, as you asked.`,
    ...p.lines.map((l) => `${l.who} (${l.at}): ${l.text}`),
    "If you did not ask for this, ignore this mail.",
  ]);
}

export function workspaceDeletionMail(p: { workspace: string; requestedBy: string; purgeAt: string; link: string }) {
  return render(`${p.workspace} is scheduled for deletion`, [
    `${p.requestedBy} asked to delete the workspace ${p.workspace} on Echo.`,
    `On ${p.purgeAt} everything it holds is deleted for good: conversations, messages, files, recordings, tickets, knowledge, bots, keys, members and its audit log. Until then it works as before.`,
    { link: p.link, label: "Restore the workspace (Settings)" },
    "If this was not meant to happen, an owner can restore it from Settings before that date.",
  ]);
}

export function workspaceRestoredMail(p: { workspace: string; restoredBy: string }) {
  return render(`${p.workspace} will not be deleted`, [
    `${p.restoredBy} cancelled the deletion of the workspace ${p.workspace} on Echo. Nothing was deleted.`,
  ]);
}
