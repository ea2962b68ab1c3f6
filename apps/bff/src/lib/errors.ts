import { type ErrorCode, errorCatalogue } from '@onbehalf/contracts/errors';

export interface AppErrorOptions {
  message?: string;
  issues?: { path: string; message: string }[];
  retryAfterSeconds?: number;
}

/** The only error services throw; app.onError turns it into the uniform envelope. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: AppErrorOptions['issues'];
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? errorCatalogue[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.issues = options.issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * The answer when the database could not answer now (PostgreSQL unreachable, SQLite's search
 * worker gone or stuck): 503, and trying again in a moment may well work.
 */
export function databaseDidNotAnswer(): AppError {
  return new AppError('not_ready', {
    message: 'The database did not answer. Try again in a moment.',
    retryAfterSeconds: 1,
  });
}
