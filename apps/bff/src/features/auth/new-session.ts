import type { Session } from '@onbehalf/contracts/auth';
import type { AppDeps, CredentialContext } from '../../app-env.ts';
import { describeSession, sessionView } from '../../http/session-view.ts';
import { authFromLookup } from '../../lib/auth-context.ts';
import { AppError } from '../../lib/errors.ts';
import type { OrganizationRow, ProfileRow, SessionLookup, SessionRow } from '../../store/rows.ts';

/** A session just minted: its only token, its expiry, and how the API describes it. */
export interface Minted {
  token: string;
  expiresAt: number;
  session: Session;
}

/** The answer to each state of a link or token that is not `valid`. */
export const linkErrorFor = {
  invalid: 'link_invalid',
  revoked: 'link_revoked',
  used: 'link_used',
  expired: 'link_expired',
} as const;

/** A profile of a user, with its organization. */
export interface ProfileWithOrganization {
  profile: ProfileRow;
  organization: OrganizationRow;
}

/**
 * The profile a credential handed over opens: the one asked for, else the only one there is.
 * Several and none asked for is a 400 naming the field; one not among them is "not found".
 */
export function chooseProfile(
  candidates: ProfileWithOrganization[],
  profileId: number | undefined,
): ProfileWithOrganization {
  const chosen =
    profileId === undefined && candidates.length === 1
      ? candidates[0]
      : candidates.find((c) => c.profile.id === profileId);
  if (chosen) return chosen;
  if (profileId === undefined && candidates.length > 1) {
    throw new AppError('validation_failed', {
      message: 'This user has several profiles: say which one (profileId).',
      issues: [{ path: 'profileId', message: 'Required for a user with several profiles.' }],
    });
  }
  throw new AppError('not_found', { message: 'No such profile for this user.' });
}

/**
 * The answer to a redemption, described from the rows the redemption read and the session it
 * minted: the same view a request with the new cookie gets, without looking it up again.
 */
export async function signedInAs(
  deps: AppDeps,
  minted: { token: string; session: SessionRow },
  parties: Omit<SessionLookup, 'session'>,
  credential: CredentialContext | null = null,
): Promise<Minted> {
  const auth = authFromLookup({ session: minted.session, ...parties }, 'cookie', null, credential);
  return {
    token: minted.token,
    expiresAt: minted.session.expiresAt,
    session: await describeSession(deps.store, auth, deps.clock.now()),
  };
}

/**
 * The answer to a redemption, from the rows it read and the session it minted; `profileCount`
 * is how many profiles the user has (read with them), so describing it reads nothing more.
 */
export function sessionOpened(
  minted: { token: string; session: SessionRow },
  parties: Omit<SessionLookup, 'session'>,
  profileCount: number,
  credential: CredentialContext | null = null,
): Minted {
  const auth = authFromLookup({ session: minted.session, ...parties }, 'cookie', null, credential);
  return {
    token: minted.token,
    expiresAt: minted.session.expiresAt,
    // Minted at the server's clock: its own instant says when the answer was made.
    session: sessionView(auth, profileCount, minted.session.createdAt),
  };
}
