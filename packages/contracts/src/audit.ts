import { z } from 'zod';

/** Every kind of event the audit trail records. Names are stable: reports filter on them. */
export const auditEventTypes = [
  'auth.sign_in.succeeded',
  'auth.sign_in.failed',
  'auth.signed_out',
  'session.revoked',
  'profile.switched',
  'team.member_updated',
  'order.placed',
  'impersonation.token_issued',
  'impersonation.started',
  'impersonation.ended',
  'account.password_changed',
  'one_click.issued',
  'one_click.redeemed',
  'one_click.failed',
  'login_token.created',
  'login_token.used',
  'login_token.failed',
  'login_token.deleted',
  'api_key.created',
  'api_key.revoked',
  'account.impersonation_preference_changed',
  'settings.changed',
] as const;
export const auditEventType = z.enum(auditEventTypes);
export type AuditEventType = z.infer<typeof auditEventType>;
