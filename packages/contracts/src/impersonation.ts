import { z } from 'zod';
import { userSummary } from './auth.ts';
import { isoDateTime, nextCursor, numericId, pageQuery } from './common.ts';
import { credentialKind, credentialMaker } from './login-links.ts';

export const impersonationDoor = z.enum(['team', 'operator']);
export type ImpersonationDoor = z.infer<typeof impersonationDoor>;

/** Why an impersonation may not start; the portal shows it next to the disabled action. */
export const impersonationBlock = z.enum([
  'self',
  'disabled',
  'opted_out',
  'upward',
  'setting_off',
  'no_permission',
  'nested',
]);
export type ImpersonationBlock = z.infer<typeof impersonationBlock>;

export const impersonationBlockLabels: Record<ImpersonationBlock, string> = {
  self: 'This is you.',
  disabled: 'This account is disabled.',
  opted_out: 'This member does not allow team admins to sign in as them.',
  upward: 'This member has permissions you do not have.',
  setting_off: 'Signing in as team members is switched off for this organization.',
  no_permission: 'You are not allowed to sign in as team members.',
  nested: 'Leave the current impersonation first.',
};

export const impersonationVerdict = z.object({
  allowed: z.boolean(),
  reason: impersonationBlock.nullable(),
});
export type ImpersonationVerdict = z.infer<typeof impersonationVerdict>;

export const reasonText = z.string().trim().max(500);

export const teamImpersonateParams = z.object({ coworkerId: numericId });
export const teamImpersonateQuery = z.object({ reason: reasonText.optional() });

export const operatorImpersonateQuery = z.object({
  userId: numericId,
  profileId: numericId.optional(),
  reason: reasonText.min(3, 'Give a reason of at least 3 characters.'),
  ticket: z.string().trim().max(100).optional(),
});
export type OperatorImpersonateQuery = z.infer<typeof operatorImpersonateQuery>;

export const handoffResponse = z.object({ token: z.string() });
export type HandoffResponse = z.infer<typeof handoffResponse>;

export const handoffParam = z.object({ token: z.string().min(1).max(256) });

export const endReason = z.enum([
  'left',
  'expired',
  'actor_signed_out',
  'actor_session_ended',
  'actor_lost_permission',
  'setting_disabled',
  'target_unavailable',
  'target_opted_out',
  'revoked',
  'replaced',
]);
export type EndReason = z.infer<typeof endReason>;

export const endReasonLabels: Record<EndReason, string> = {
  left: 'The person acting left the impersonation.',
  expired: 'The impersonation reached its time limit.',
  actor_signed_out: 'The person acting signed out.',
  actor_session_ended: "The acting person's own session ended.",
  actor_lost_permission: 'The acting person no longer has the permission to do this.',
  setting_disabled: 'Impersonation was switched off.',
  target_unavailable: 'The account is no longer available.',
  target_opted_out: 'The member no longer allows team admins to sign in as them.',
  revoked: 'The impersonation session was revoked.',
  replaced: 'The person acting started another impersonation.',
};

export const accessHistoryEntry = z.object({
  id: z.string(),
  door: impersonationDoor,
  actor: userSummary.pick({ name: true, kind: true, operatorRole: true }),
  organizationName: z.string().nullable(),
  reason: z.string().nullable(),
  ticket: z.string().nullable(),
  issuedAt: isoDateTime,
  startedAt: isoDateTime.nullable(),
  endedAt: isoDateTime.nullable(),
  endReason: endReason.nullable(),
  durationSeconds: z.number().int().nullable(),
  /** A credential handed over to its maker that started it, if one did. */
  via: z.object({ kind: credentialKind, id: z.string() }).nullable(),
});
export type AccessHistoryEntry = z.infer<typeof accessHistoryEntry>;

/** An integration's credential and what it did, grouped: one line per credential. */
export const accessHistoryIntegration = z.object({
  kind: credentialKind,
  id: z.string(),
  name: z.string(),
  maker: credentialMaker,
  organizationName: z.string().nullable(),
  createdAt: isoDateTime,
  expiresAt: isoDateTime,
  uses: z.number().int(),
  lastUsedAt: isoDateTime.nullable(),
  state: z.enum(['active', 'expired', 'used', 'revoked']),
});
export type AccessHistoryIntegration = z.infer<typeof accessHistoryIntegration>;

/** A page of the access history: `limit` impersonations, newest first. */
export const accessHistoryQuery = pageQuery;

export const accessHistoryResponse = z.object({
  /** Impersonations of me, newest first, a page at a time. */
  entries: z.array(accessHistoryEntry),
  nextCursor,
});
export type AccessHistoryResponse = z.infer<typeof accessHistoryResponse>;

/** A page of the integrations given a way in: `limit` credentials, newest first. */
export const integrationAccessQuery = pageQuery;

export const integrationAccessResponse = z.object({
  /**
   * One line per link or token handed to a system for me, whatever became of it, newest made
   * first: an integration can be given one for every punch-out, so they come a page at a time.
   */
  integrations: z.array(accessHistoryIntegration),
  nextCursor,
});
export type IntegrationAccessResponse = z.infer<typeof integrationAccessResponse>;

export const impersonationPreferenceBody = z.object({ allowTeamImpersonation: z.boolean() });
export const impersonationPreferenceResponse = z.object({
  profileId: z.number().int(),
  allowTeamImpersonation: z.boolean(),
});
