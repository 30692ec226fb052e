/**
 * The one error family. Verbs throw these; `app.onError` renders them as RFC 9457 problem details.
 * `code` is a closed union: each code has exactly one status and one meaning, listed here.
 */
export const ERROR_CODES = {
  INVALID_REQUEST: { status: 400, title: "Invalid request" }, // schema or syntax violation
  UNAUTHORIZED: { status: 401, title: "Unauthorized" }, // missing, bad or expired credentials
  FORBIDDEN: { status: 403, title: "Forbidden" }, // authenticated, but the role or scope lacks the permission
  NOT_FOUND: { status: 404, title: "Not found" }, // missing, or another tenant's
  PAYMENT_REQUIRED: { status: 402, title: "Payment required" }, // the plan's quota or the AI budget cap is used up
  PLAN_LIMIT: { status: 403, title: "Not in your plan" }, // the plan does not include this (more bots, a channel, a feature)
  CONFLICT: { status: 409, title: "Conflict" }, // state forbids the change (duplicate email, closed conversation)
  PAYLOAD_TOO_LARGE: { status: 413, title: "Payload too large" }, // body over the route's limit
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported media type" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  INTERNAL: { status: 500, title: "Internal error" },
  CONFIG_INVALID: { status: 503, title: "Configuration invalid" }, // the server cannot serve until reconfigured
  UPSTREAM_UNAVAILABLE: { status: 503, title: "Upstream unavailable" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type FieldError = { path: string; message: string };

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: {
      errors?: FieldError[];
      retryable?: boolean;
      cause?: unknown;
      /** Extension members of the problem (RFC 9457 §3.2), e.g. `plan` and `limit` of a refused action. */
      members?: Record<string, unknown>;
    } = {},
  ) {
    super(detail, { cause: extra.cause });
    this.status = ERROR_CODES[code].status;
  }
}

export class NotFound extends AppError {
  constructor(entity: string, id?: string) {
    super("NOT_FOUND", id ? `${entity} ${id} not found` : `${entity} not found`);
  }
}
export class Unauthorized extends AppError {
  constructor(detail = "missing or invalid credentials") {
    super("UNAUTHORIZED", detail);
  }
}
export class Forbidden extends AppError {
  constructor(detail = "your role does not allow this") {
    super("FORBIDDEN", detail);
  }
}
export class Conflict extends AppError {
  constructor(detail: string) {
    super("CONFLICT", detail);
  }
}
export class Invalid extends AppError {
  constructor(detail: string, errors?: FieldError[]) {
    super("INVALID_REQUEST", detail, { errors });
  }
}
export class RateLimited extends AppError {
  constructor(
    detail = "too many requests",
    readonly retryAfterSeconds = 1,
  ) {
    super("RATE_LIMITED", detail, { retryable: true });
  }
}
export class Unavailable extends AppError {
  constructor(detail: string, cause?: unknown) {
    super("UPSTREAM_UNAVAILABLE", detail, { retryable: true, cause });
  }
}
