import { AppError, ERROR_CODES, type ErrorCode, type FieldError } from "./errors";

/** RFC 9457 problem details, the body of every error response. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  requestId: string;
  errors?: FieldError[];
  retryable?: boolean;
  [member: string]: unknown;
};

export function toProblem(err: AppError, requestId: string): Problem {
  return {
    ...err.extra.members,
    type: `/docs/errors#${err.code}`,
    title: ERROR_CODES[err.code].title,
    status: err.status,
    code: err.code,
    detail: err.detail,
    requestId,
    ...(err.extra.errors ? { errors: err.extra.errors } : {}),
    ...(err.extra.retryable ? { retryable: true } : {}),
  };
}

export function problemResponse(err: AppError, requestId: string, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(toProblem(err, requestId)), {
    status: err.status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}
