import type { ChangePasswordBody } from '@onbehalf/contracts/account';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { recordAudit } from '../../lib/audit.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { endCredentialsFor } from '../../lib/credentials.ts';
import { AppError } from '../../lib/errors.ts';
import {
  endImpersonationsOfTarget,
  endTeamImpersonationsOfProfile,
} from '../../lib/impersonation-lifecycle.ts';
import { hashPassword, verifyPassword } from '../../lib/passwords.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { revokeOtherSessions, setAllowTeamImpersonation, setPassword } from './account.repo.ts';

/** The member's opt-out: may team admins sign in as me (in this organization)? */
export function setImpersonationPreference(
  deps: AppDeps,
  auth: AuthContext,
  allow: boolean,
  meta: RequestMeta,
) {
  const profile = auth.profile;
  if (!profile) throw new AppError('profile_required');
  const now = deps.clock.now();
  deps.db.transaction((tx) => {
    setAllowTeamImpersonation(tx, profile.id, allow);
    // The opt-out binds running team impersonations too, not only new ones.
    if (!allow) endTeamImpersonationsOfProfile(tx, profile.id, 'target_opted_out', now, meta);
    recordAudit(
      tx,
      {
        type: 'account.impersonation_preference_changed',
        at: now,
        ...auditParty(auth),
        organizationId: profile.organizationId,
        details: { profileId: profile.id, before: profile.allowTeamImpersonation, after: allow },
      },
      meta,
    );
  });
  return { profileId: profile.id, allowTeamImpersonation: allow };
}

/** Changes the password and signs out every other session of the user. */
export async function changePassword(
  deps: AppDeps,
  auth: AuthContext,
  body: ChangePasswordBody,
  meta: RequestMeta,
) {
  const user = auth.user;
  if (!user) throw new AppError('forbidden');
  if (!(await verifyPassword(user.passwordHash, body.currentPassword))) {
    // Not a 401: the session is fine, only the form input is wrong.
    throw new AppError('validation_failed', {
      message: 'The current password is incorrect.',
      issues: [{ path: 'currentPassword', message: 'Incorrect.' }],
    });
  }
  const passwordHash = await hashPassword(body.newPassword);
  const now = deps.clock.now();
  deps.db.transaction((tx) => {
    setPassword(tx, user.id, passwordHash, now);
    // Every link and token made for this person dies with the old password (SPEC §4b).
    endCredentialsFor(tx, user.id, 'password_changed', now);
    endImpersonationsOfTarget(tx, user.id, 'revoked', now, meta);
    revokeOtherSessions(tx, user.id, auth.session.id, now);
    recordAudit(tx, { type: 'account.password_changed', at: now, ...auditParty(auth) }, meta);
  });
}
