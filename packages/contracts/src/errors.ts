import { z } from 'zod';

/**
 * The one error catalogue. A code is stable: clients branch on it, so it is never renamed.
 * The message is a safe default for people; a service may pass a more precise one.
 */
export const errorCatalogue = {
  validation_failed: { status: 400, message: 'The request is not valid.' },
  malformed_json: { status: 400, message: 'The request body is not valid JSON.' },
  unauthenticated: { status: 401, message: 'Sign in to continue.' },
  session_expired: { status: 401, message: 'Your session has ended. Sign in again.' },
  invalid_credentials: { status: 401, message: 'The email or password is incorrect.' },
  forbidden: { status: 403, message: 'You are not allowed to do this.' },
  csrf_rejected: { status: 403, message: 'Cross-site requests are not allowed.' },
  permission_escalation: {
    status: 403,
    message: 'You cannot grant a permission you do not hold yourself.',
  },
  owner_protected: { status: 403, message: 'Only an owner can change another owner.' },
  cannot_edit_self: { status: 403, message: 'You cannot change your own permissions.' },
  profile_required: { status: 403, message: 'Choose a profile first.' },
  not_found: { status: 404, message: 'Not found.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  rate_limited: { status: 429, message: 'Too many attempts. Try again later.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;
export const errorCodes = Object.keys(errorCatalogue) as [ErrorCode, ...ErrorCode[]];

export const errorBody = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    /** Field-level problems for validation_failed: where and what. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;
