/**
 * The API's refusals in words a person understands (issue 22). Problem details carry a `detail`
 * written for developers ("request does not match the schema", "something went wrong on our side;
 * quote the request id") and zod's messages per field ("Too small: expected string to have >=10
 * characters"); the dashboard never shows those as they are. `plainFieldError` says one field's
 * problem, `plainProblem` the whole refusal, with the request id kept as a reference for support.
 */

/** A zod message as a person would say it, or undefined when it is already the app's own words. */
function plainSchemaMessage(message: string): string | undefined {
  let m = /too small: expected string to have >=\s*(\d+)/i.exec(message);
  if (m) return m[1] === "1" ? "This can't be empty." : `Use at least ${m[1]} characters.`;
  m = /too big: expected string to have <=\s*(\d+)/i.exec(message);
  if (m) return `Use at most ${m[1]} characters.`;
  m = /too big: expected array to have <=\s*(\d+)/i.exec(message);
  if (m) return `Use at most ${m[1]} entries.`;
  if (/too small: expected array/i.test(message)) return "Add at least one.";
  m = /too small: expected number to be >=?\s*(-?[\d.]+)/i.exec(message);
  if (m) return `Use ${m[1]} or more.`;
  m = /too big: expected number to be <=?\s*(-?[\d.]+)/i.exec(message);
  if (m) return `Use ${m[1]} or less.`;
  if (/expected int/i.test(message)) return "Use a whole number.";
  if (/invalid email/i.test(message)) return "Use an email address like name@example.com.";
  if (/invalid url/i.test(message)) return "Use a full address starting with https://.";
  if (/invalid option|expected one of|invalid enum/i.test(message)) return "Choose one of the listed options.";
  if (/received undefined|^required$/i.test(message)) return "This is required.";
  if (/expected number/i.test(message)) return "Use a number.";
  if (/^invalid input/i.test(message)) return "This value is not accepted.";
  return undefined;
}

const sentence = (s: string) => {
  const t = s.trim();
  return `${t[0]?.toUpperCase() ?? ""}${t.slice(1)}${/[.!?…]$/.test(t) ? "" : "."}`;
};

/** One field error as a sentence: "Line 2: use an origin like https://example.com." */
export function plainFieldError(path: string, message: string): string {
  const index = /\.(\d+)(?:\.|$)/.exec(path);
  const said = plainSchemaMessage(message) ?? (/^(a|an) /i.test(message) ? `Use ${message}.` : undefined);
  if (!index) return said ?? sentence(message);
  // our own sentences continue after "Line 2:" in lower case; the server's keep theirs ("Mon 11:00…")
  return `Line ${Number(index[1]) + 1}: ${said ? `${said[0]!.toLowerCase()}${said.slice(1)}` : sentence(message)}`;
}

/** "settings.handoffNumber" → "Handoff number": the words of a field no control on the form shows. */
export function fieldLabel(path: string): string {
  const name =
    path
      .split(".")
      .filter((p) => !/^\d+$/.test(p) && p !== "(root)")
      .pop() ?? "";
  const words = name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words ? `${words[0]!.toUpperCase()}${words.slice(1)}` : "This form";
}

/** Form-level words for field errors that no control shows: "Email: use an email address like …" */
export function plainFieldList(errors: readonly { path: string; message: string }[]): string {
  return errors
    .slice(0, 3)
    .map((e) => {
      const said = plainFieldError(e.path, e.message);
      return `${fieldLabel(e.path)}: ${said[0]!.toLowerCase()}${said.slice(1)}`;
    })
    .join(" ");
}

/** What a form says when it is refused; `Reference: req_…` at the end is shown small by ErrorNote. */
export function plainProblem(p: {
  status: number;
  code: string;
  message: string;
  errors: readonly { path: string; message: string }[];
  requestId?: string | undefined;
}): string {
  const ref = p.requestId ? ` Reference: ${p.requestId}` : "";
  if (p.status === 0) return "Echo cannot be reached. Check your connection, then try again.";
  if (p.code === "UPSTREAM_UNAVAILABLE")
    return `A service Echo relies on did not answer. Nothing was changed; try again in a moment.${ref}`;
  if (p.status >= 500)
    return `Something went wrong on our side. Try again in a moment; if it keeps failing, contact support.${ref}`;
  if (p.errors.length) return `Please check: ${plainFieldList(p.errors)}`;
  if (p.code === "INVALID_REQUEST" && /schema|malformed|json|content type/i.test(p.message))
    return "Some of what was entered is not accepted. Check the form and try again.";
  return sentence(p.message);
}

/** A room's error frame in words an operator reads at a glance (issue 22); the room's own words otherwise. */
export function socketErrorText(code: string | undefined, message: string | undefined): string {
  const plain: Record<string, string> = {
    INTERNAL: "Something went wrong on our side; try again.",
    INVALID_FRAME: "Something went wrong on our side; try again.",
    TOKEN_EXPIRED: "Your session expired; reconnecting.",
    RATE_LIMITED: "Too many messages at once; wait a moment, then send again.",
    UNKNOWN_ATTACHMENT: "A file is not uploaded yet; wait for it, then send again.",
    CONVERSATION_CLOSED: "This conversation is closed.",
  };
  const text = (code && plain[code]) || message || "The conversation refused that.";
  return text.charAt(0).toUpperCase() + text.slice(1);
}
