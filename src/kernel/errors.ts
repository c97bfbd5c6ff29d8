/**
 * The closed list of error codes Laurel answers with. Every client-visible failure maps to exactly
 * one of these; the HTTP status is decided here and nowhere else.
 */
export const errorStatus = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  csrf_failed: 403,
  password_change_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_in_progress: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export const errorTitles: Record<ErrorCode, string> = {
  bad_request: 'Bad request',
  validation_failed: 'Validation failed',
  unauthenticated: 'Authentication required',
  forbidden: 'Forbidden',
  csrf_failed: 'CSRF check failed',
  password_change_required: 'Password change required',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  idempotency_in_progress: 'Request with this Idempotency-Key in progress',
  gone: 'Gone',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  unprocessable: 'Unprocessable request',
  idempotency_key_reused: 'Idempotency-Key reused with another request',
  rate_limited: 'Too many requests',
  internal_error: 'Internal error',
  unavailable: 'Service unavailable',
};

export interface FieldError {
  /** JSON pointer (or parameter name) of the offending input. */
  field: string;
  message: string;
}

/** An expected failure with a stable code; thrown by services, rendered by the HTTP layer. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, detail: string, options: { errors?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);

/** A well-formed request naming something the caller cannot use: 422 with the field, as validation errors do. */
export function unusableField(field: string, message: string): AppError {
  return new AppError('unprocessable', `${field}: ${message}`, { errors: [{ field, message }] });
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
