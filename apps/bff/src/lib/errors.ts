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
