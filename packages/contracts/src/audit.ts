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
  'account.impersonation_preference_changed',
  'settings.changed',
] as const;
export const auditEventType = z.enum(auditEventTypes);
export type AuditEventType = z.infer<typeof auditEventType>;
