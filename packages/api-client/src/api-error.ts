import type { ErrorBody, ErrorCode } from '@onbehalf/contracts/errors';

/** A non-2xx answer from the API, carrying the stable code from the error catalogue. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network_error' | 'unexpected_response';
  readonly issues: NonNullable<ErrorBody['error']['issues']>;
  readonly retryAfterSeconds: number | null;

  constructor(
    status: number,
    code: ApiError['code'],
    message: string,
    issues: ApiError['issues'] = [],
    retryAfterSeconds: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.issues = issues;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isApiError(error: unknown, code?: ApiError['code']): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}
