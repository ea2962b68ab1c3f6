import { z } from 'zod';

/**
 * The one error catalogue. A code is stable: clients branch on it, so it is never renamed.
 * The message is a safe default for people; a service may pass a more precise one.
 */
export const errorCatalogue = {
  validation_failed: { status: 400, message: 'The request is not valid.' },
  malformed_json: { status: 400, message: 'The request body is not valid JSON.' },
  unauthenticated: { status: 401, message: 'Sign in to continue.' },
  test_key_required: {
    status: 401,
    message: "This server's test endpoints need its test mode key (x-onbehalf-test-key).",
  },
  test_clock_required: {
    status: 400,
    message:
      "Only a test's own clock moves (x-onbehalf-test-clock): the shared clock is everyone's on this server.",
  },
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
  impersonation_disabled: {
    status: 403,
    message: 'Signing in as someone else is switched off here.',
  },
  impersonation_upward: {
    status: 403,
    message: 'You cannot sign in as someone with more rights than you.',
  },
  impersonation_self: { status: 403, message: 'You cannot sign in as yourself.' },
  impersonation_target_disabled: { status: 403, message: 'This account is disabled.' },
  impersonation_opted_out: {
    status: 403,
    message: 'This member does not allow team admins to sign in as them.',
  },
  impersonation_nested: {
    status: 403,
    message: 'You are already signed in as someone else. Leave that first.',
  },
  impersonation_ended: {
    status: 401,
    message:
      'The impersonation this was sent from has ended, so nothing was done. You are back in your own account.',
  },
  session_changed: {
    status: 401,
    message:
      'This page was showing someone else: the sign-in changed in another tab or window, so nothing was done. The page now shows who is signed in here.',
  },
  impersonation_restricted: {
    status: 403,
    message: 'This is not available while you are signed in as someone else.',
  },
  integration_restricted: {
    status: 403,
    message: 'This is not available in a session an integration opened.',
  },
  reason_required: {
    status: 400,
    message: 'Say why: signing in as someone needs a reason of at least 3 characters.',
  },
  integrations_disabled: {
    status: 403,
    message: 'This organization does not allow integrations to sign its people in.',
  },
  integration_not_allowed: {
    status: 403,
    message:
      'Integrations may sign in only members without team rights: never owners, admins or staff.',
  },
  api_key_not_a_person: {
    status: 403,
    message: 'An API key is not a person: it makes credentials for integrations or by email only.',
  },
  integration_not_for_staff: {
    status: 403,
    message:
      "An integration's link or token is for the system it was made for, not for staff signed in to the backoffice: to see a customer's view, use Sign in as… or a support link.",
  },
  integration_not_for_you: {
    status: 403,
    message:
      "An integration's link or token is for the system it was made for, in its own person's browser: this browser is signed in as someone else.",
  },
  handover_not_yours: {
    status: 403,
    message: 'Only the person who made this link can use it, signed in as themselves.',
  },
  members_only: {
    status: 403,
    message: 'Provisioning creates members. An owner, or a superadmin with a reason, raises them.',
  },
  owner_required: {
    status: 403,
    message: "Only the organization's owner can make someone an admin or an owner.",
  },
  not_impersonating: { status: 409, message: 'This session is not an impersonation.' },
  handoff_invalid: { status: 400, message: 'This hand-off token is not valid.' },
  handoff_wrong_session: {
    status: 403,
    message: 'This hand-off token was issued to another session.',
  },
  handoff_used: { status: 409, message: 'This hand-off token has already been used.' },
  handoff_expired: { status: 410, message: 'This hand-off token has expired. Start again.' },
  handoff_withdrawn: {
    status: 410,
    message:
      'This hand-off was withdrawn before it was used: the person opted out, or the rules changed. Start again.',
  },
  link_invalid: { status: 400, message: 'This sign-in link is not valid.' },
  link_expired: { status: 410, message: 'This sign-in link has expired.' },
  link_used: { status: 410, message: 'This sign-in link has already been used.' },
  link_revoked: { status: 410, message: 'This sign-in link has been withdrawn.' },
  account_disabled: { status: 409, message: 'This account is disabled.' },
  too_many_credentials: {
    status: 409,
    message:
      'This person already has as many live sign-in links and tokens as may be made for them. Wait for some to be used or expire, or ask them to revoke some.',
  },
  test_addresses_only: {
    status: 422,
    message:
      'This is a test database (test mode runs on it), which holds test people only: use an address under the reserved .test domain.',
  },
  not_found: { status: 404, message: 'Not found.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  request_timeout: {
    status: 408,
    message: 'The request did not arrive in time. Send it again, whole.',
  },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  misdirected_request: {
    status: 421,
    message: 'This server does not answer for that host name.',
  },
  rate_limited: { status: 429, message: 'Too many attempts. Try again later.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  export_busy: {
    status: 429,
    message:
      'An export is already running for you, or the server is running all it takes at once. Try again when it ends.',
  },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  mail_unavailable: { status: 503, message: 'The email could not be sent. Try again later.' },
  server_busy: {
    status: 503,
    message: 'The server is busy checking passwords. Try again in a few seconds.',
  },
  not_ready: {
    status: 503,
    message: 'The server cannot take requests yet: its database is unreachable or not migrated.',
  },
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
