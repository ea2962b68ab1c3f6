import type { ImpersonationBlock } from '@onbehalf/contracts/impersonation';
import type { CoworkerProfile, ProfilesResponse } from '@onbehalf/contracts/profiles';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { impersonationBlock } from '../../domain/impersonation/policy.ts';
import { policyActor, policyTarget } from '../../lib/auth-context.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { type Minted, sessionOpened } from '../auth/new-session.ts';
import type { ProfileListRow } from './profiles.store.ts';

/** A profile as the chooser shows it: its person, and the organization it belongs to. */
interface ChooserRow {
  profile: Pick<ProfileListRow['profile'], 'id' | 'role' | 'allowTeamImpersonation'>;
  user: ProfileListRow['user'];
  organization: Pick<ProfileListRow['organization'], 'id' | 'name' | 'kind'>;
}

function toCoworkerProfile(
  row: Omit<ChooserRow, 'organization'>,
  organization: ChooserRow['organization'],
  auth: AuthContext,
  block: ImpersonationBlock | null = null,
): CoworkerProfile {
  const isOwn = row.user.id === auth.user?.id;
  return {
    Id: row.profile.id,
    UserId: row.user.id,
    Name: row.user.name,
    Email: row.user.email,
    Status: row.user.status,
    Role: row.profile.role,
    Type: organization.kind === 'company' ? 'Contact' : 'Customer',
    OrganizationId: organization.id,
    OrganizationName: organization.name,
    OrganizationKind: organization.kind,
    IsOwn: isOwn,
    IsCurrent: row.profile.id === auth.profile?.id,
    AllowTeamImpersonation: row.profile.allowTeamImpersonation,
    CanImpersonate: !isOwn && block === null,
    ImpersonationBlockedReason: isOwn ? null : block,
  };
}

/**
 * The profile chooser: the caller's own profiles (first page only), then a page of the
 * coworkers a team admin may sign in as, in name order, each flagged with why not. `query`
 * finds coworkers by name or email; an organization of any size costs one page.
 */
export async function listProfiles(
  deps: AppDeps,
  auth: AuthContext,
  page: { query?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<ProfilesResponse> {
  const user = auth.user;
  if (user?.kind !== 'customer') return { Profiles: [], nextCursor: null };
  const actingForSomeone = auth.impersonation !== null || auth.credential !== null;
  const after = decodeCursor(page.cursor, ['string', 'number'] as const);
  const own = after
    ? []
    : (await deps.store.profiles.ofUser(user.id))
        // Acting for someone covers the one profile it was opened for, never their others.
        .filter((r) => !actingForSomeone || r.profile.id === auth.profile?.id)
        .map((r) => toCoworkerProfile(r, r.organization, auth));
  // A team admin also sees the coworkers they may sign in as, each flagged with why not.
  const active = auth.profile;
  if (!active || !auth.permissions.has('team:impersonate') || actingForSomeone) {
    return { Profiles: own, nextCursor: null };
  }
  const rows = await deps.store.profiles.coworkers(active.organizationId, {
    ...page,
    after,
    except: user.id,
  });
  const { items, nextCursor } = pageOf(rows, page.limit, (r) => [r.profile.sortName, r.profile.id]);
  // Asked once per page: the caller and the door; each coworker is one call to the policy.
  const actor = policyActor(auth);
  const { organization } = active;
  const coworkers = items.map((r) =>
    toCoworkerProfile(
      r,
      organization,
      auth,
      impersonationBlock({
        door: 'team',
        actor,
        target: policyTarget(
          { id: r.user.id, kind: 'customer', status: r.user.status, operatorRole: null },
          r.profile,
        ),
        doorOpen: organization.impersonationEnabled,
      }),
    ),
  );
  return { Profiles: [...own, ...coworkers], nextCursor };
}

export type Switched = Minted;

/**
 * Makes one of the caller's own profiles the active one. The session is replaced, not
 * edited (no fixation), and the replacement keeps the old absolute expiry.
 */
export async function switchProfile(
  deps: AppDeps,
  auth: AuthContext,
  profileId: number,
  meta: RequestMeta,
): Promise<Switched> {
  const user = auth.user;
  const own = user ? await deps.store.profiles.ofUser(user.id) : [];
  const target = own.find((r) => r.profile.id === profileId);
  // Someone else's profile is indistinguishable from one that does not exist.
  if (!user || !target) throw new AppError('not_found', { message: 'No such profile.' });
  const now = deps.clock.now();
  const switchTo = () =>
    deps.store.profiles.switchTo({
      replacing: auth.session.id,
      session: {
        userId: user.id,
        profileId,
        method: auth.session.method,
        now,
        meta,
        expiresAt: auth.session.expiresAt,
      },
      audit: {
        type: 'profile.switched',
        at: now,
        actor: { userId: user.id, kind: user.kind },
        subjectUserId: user.id,
        organizationId: target.organization.id,
        details: {
          from: auth.profile?.id ?? null,
          to: profileId,
          previousSession: auth.session.id,
        },
      },
      now,
      meta,
    });
  const minted = await deps.limiters.personWrite('profileSwitches', user.id, switchTo);
  // Another request ended this session first (a switch, a sign-out): as if this one came after.
  if (minted === 'lost_race') throw new AppError('session_expired');
  return sessionOpened(
    minted,
    { user, profile: target.profile, organization: target.organization },
    own.length,
  );
}
