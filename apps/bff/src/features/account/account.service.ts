import type { ChangePasswordBody } from '@onbehalf/contracts/account';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { AppError } from '../../lib/errors.ts';
import { hashPassword, verifyPassword } from '../../lib/passwords.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';

const incorrectPassword = () =>
  // Not a 401: the session is fine, only the form input is wrong.
  new AppError('validation_failed', {
    message: 'The current password is incorrect.',
    issues: [{ path: 'currentPassword', message: 'Incorrect.' }],
  });

/** The member's opt-out: may team admins sign in as me (in this organization)? */
export async function setImpersonationPreference(
  deps: AppDeps,
  auth: AuthContext,
  allow: boolean,
  meta: RequestMeta,
) {
  const profile = auth.profile;
  if (!profile) throw new AppError('profile_required');
  const now = deps.clock.now();
  // The opt-out binds running team impersonations too, not only new ones (the store ends them).
  const outcome = await deps.store.account.setImpersonationPreference({
    profileId: profile.id,
    before: profile.allowTeamImpersonation,
    allow,
    audit: {
      type: 'account.impersonation_preference_changed',
      at: now,
      ...auditParty(auth),
      organizationId: profile.organizationId,
      details: { profileId: profile.id, before: profile.allowTeamImpersonation, after: allow },
    },
    now,
    meta,
  });
  // Another change of the setting came between reading it and writing: nothing was written.
  if (outcome === 'lost_race') {
    throw new AppError('conflict', {
      message: 'This setting was changed meanwhile (another tab?). Reload and try again.',
    });
  }
  return { profileId: profile.id, allowTeamImpersonation: allow };
}

/**
 * Changes the password and signs out every other session of the user. The current password is
 * a guess like a sign-in's, whoever holds the session: it counts in the same budgets (the
 * account's, the account+address pair's, the address's), and a wrong one is audited.
 */
export async function changePassword(
  deps: AppDeps,
  auth: AuthContext,
  body: ChangePasswordBody,
  meta: RequestMeta,
  /** The request's signal: hashes still waiting when its client leaves are dropped. */
  gone?: AbortSignal,
) {
  const user = auth.user;
  if (!user) throw new AppError('forbidden');
  const { previousHash, verified } = await deps.limiters.checkingPassword(
    user.email.toLowerCase(),
    meta.ip,
    async () => {
      const previousHash = (await deps.store.account.passwordHashOf(user.id)) ?? null;
      const verified = await verifyPassword(previousHash, body.currentPassword, gone);
      return { previousHash, verified: verified && previousHash !== null };
    },
    (checked) => !checked.verified,
  );
  if (!verified || previousHash === null) {
    await deps.store.account.recordPasswordChangeFailed({
      audit: { type: 'account.password_change_failed', at: deps.clock.now(), ...auditParty(auth) },
      meta,
    });
    throw incorrectPassword();
  }
  const passwordHash = await hashPassword(body.newPassword, gone);
  const now = deps.clock.now();
  // Every link and token made for this person dies with the old password (SPEC §4b), and
  // every other session of theirs is signed out.
  const changed = await deps.store.account.changePassword({
    userId: user.id,
    previousHash,
    passwordHash,
    keepSessionId: auth.session.id,
    audit: { type: 'account.password_changed', at: now, ...auditParty(auth) },
    now,
    meta,
  });
  // Changed meanwhile by another request: the password checked is no longer the current one.
  if (changed === 'lost_race') throw incorrectPassword();
}
