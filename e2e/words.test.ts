// The dashboard's plain words for the API's refusals (dashboard/src/ui/words.ts): pure functions,
// no browser. The messages are the ones zod and app.onError really send.
import { describe, expect, it } from "vitest";
import { fieldLabel, plainFieldError, plainProblem, socketErrorText } from "../dashboard/src/ui/words";

describe("plainFieldError", () => {
  it("says zod's limits as a person would", () => {
    expect(plainFieldError("name", "Too small: expected string to have >=1 characters")).toBe("This can't be empty.");
    expect(plainFieldError("password", "Too small: expected string to have >=10 characters")).toBe(
      "Use at least 10 characters.",
    );
    expect(plainFieldError("email", "Invalid email address")).toBe("Use an email address like name@example.com.");
    expect(plainFieldError("days", "Too small: expected number to be >=1")).toBe("Use 1 or more.");
    expect(plainFieldError("role", 'Invalid option: expected one of "agent"|"viewer"')).toBe(
      "Choose one of the listed options.",
    );
  });

  it("numbers a list entry's line and keeps the app's own words", () => {
    expect(plainFieldError("allowedOrigins.0", "an origin like https://example.com")).toBe(
      "Line 1: use an origin like https://example.com.",
    );
    expect(plainFieldError("rules.1", "Too big: expected string to have <=300 characters")).toBe(
      "Line 2: use at most 300 characters.",
    );
    expect(plainFieldError("intervals.1", "mon 11:00–18:00 overlaps mon 09:00–12:00")).toBe(
      "Line 2: Mon 11:00–18:00 overlaps mon 09:00–12:00.",
    );
  });
});

describe("plainProblem", () => {
  const problem = (p: Partial<Parameters<typeof plainProblem>[0]>) =>
    plainProblem({ status: 400, code: "INVALID_REQUEST", message: "", errors: [], ...p });

  it("never shows the schema's or the server's jargon", () => {
    const schema = problem({ message: "request does not match the schema" });
    expect(schema).not.toMatch(/schema/);
    expect(schema).toBe("Some of what was entered is not accepted. Check the form and try again.");
    const internal = problem({
      status: 500,
      code: "INTERNAL",
      message: "something went wrong on our side; quote the request id",
      requestId: "req_42",
    });
    expect(internal).toBe(
      "Something went wrong on our side. Try again in a moment; if it keeps failing, contact support. Reference: req_42",
    );
    expect(problem({ status: 0, code: "ERROR", message: "cannot reach the server; check your connection" })).toBe(
      "Echo cannot be reached. Check your connection, then try again.",
    );
  });

  it("lists refused fields by name when no control shows them, and says a plain detail as a sentence", () => {
    expect(
      problem({
        message: "request does not match the schema",
        errors: [{ path: "settings.handoffNumber", message: "an E.164 number like +14155550100" }],
      }),
    ).toBe("Please check: Handoff number: use an E.164 number like +14155550100.");
    expect(problem({ status: 401, code: "UNAUTHORIZED", message: "email or password is wrong" })).toBe(
      "Email or password is wrong.",
    );
    expect(fieldLabel("(root)")).toBe("This form");
  });
});

describe("socketErrorText", () => {
  it("says a room's error frame plainly, and keeps the room's own words for codes it does not know", () => {
    expect(socketErrorText("INTERNAL", "the frame could not be handled")).toBe(
      "Something went wrong on our side; try again.",
    );
    expect(socketErrorText("RATE_LIMITED", "too many messages; wait a moment")).toBe(
      "Too many messages at once; wait a moment, then send again.",
    );
    expect(socketErrorText("FORBIDDEN", "your role may watch this conversation but not act in it")).toBe(
      "Your role may watch this conversation but not act in it",
    );
    expect(socketErrorText(undefined, undefined)).toBe("The conversation refused that.");
  });
});
