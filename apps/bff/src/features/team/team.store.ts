import type { TeamSettings } from '@onbehalf/contracts/team';
import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { OrganizationRow, ProfileRow, UserRow } from '../../store/rows.ts';

/**
 * The team feature's port (docs/decisions/019-store-ports.md): the member pages it reads, and
 * one command per change it makes, each carrying its audit entry.
 */
export interface TeamStore {
  /**
   * A page of an organization's members in name order: up to `limit + 1` rows (for `pageOf`),
   * after the (sort name, profile id) the previous page ended on, `query` finding members by
   * every word typed in their name or email.
   */
  members(organizationId: number, page: MemberPage): Promise<MemberRow[]>;
  /** One member of the organization by profile id; undefined when it is not theirs. */
  member(organizationId: number, profileId: number): Promise<MemberRow | undefined>;
  organization(id: number): Promise<OrganizationRow | undefined>;
  /**
   * Writes a member's role and permissions if the member and the editor are still as the
   * decision read them, ends the running impersonations by or of the member that the change no
   * longer allows (each audited, the policy's re-check deciding), and audits the change, at
   * once. `'lost_race'` (nothing written) when either changed meanwhile.
   */
  updateMember(command: UpdateMember): Promise<'updated' | 'lost_race'>;
  /**
   * Writes an organization's settings, if they are still `before` (else `'lost_race'`, nothing
   * written); ends its running team impersonations (each audited) and shortens its running
   * impersonations at both doors, as asked; audits the change.
   */
  updateOrganizationSettings(command: UpdateOrganizationSettings): Promise<'done' | 'lost_race'>;
}

export interface MemberPage {
  /** Words to find in names and emails. */
  query?: string | undefined;
  /** The sort key (sort name, profile id) the previous page ended on. */
  after?: readonly [string, number] | undefined;
  limit: number;
  /** Leave this user out (the caller, on the coworkers list). */
  except?: number;
}

/**
 * Up to this many users matching a search, a page is read from the matches (each looked up in
 * the organization, the few kept sorted by name); above it, by walking the organization's name
 * index and testing each member against the match, which finds a page quickly when matches are
 * many. Either way a search costs about a thousand rows at most, not the organization. Both
 * stores choose the same way.
 */
export const FEW_MATCHES = 1000;

/** What a member page shows of each member, and its sort key: nothing more is read. */
export interface MemberRow {
  profile: Pick<ProfileRow, 'id' | 'role' | 'permissions' | 'allowTeamImpersonation' | 'sortName'>;
  user: Pick<UserRow, 'id' | 'name' | 'email' | 'status'>;
}

/** A profile's role and permissions, as a decision read them. */
export interface RoleAsRead {
  profileId: number;
  role: ProfileRow['role'];
  permissions: ProfileRow['permissions'];
}

export interface UpdateMember {
  profileId: number;
  /** The member as the decision read them: the write is a compare-and-set on it. */
  before: RoleAsRead;
  /**
   * The editor as the decision saw them: the change holds only while they still are, so two
   * owners demoting each other at once cannot both win and leave the organization ownerless.
   */
  editor: RoleAsRead;
  role: ProfileRow['role'];
  permissions: ProfileRow['permissions'];
  /** `team.member_updated`. */
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}

export interface UpdateOrganizationSettings {
  organizationId: number;
  /** The settings the decision read: a change made by someone else meanwhile is not undone. */
  before: TeamSettings;
  next: TeamSettings;
  /** The team door closes: its running team impersonations end, each audited. */
  endTeamImpersonations: boolean;
  /** The limit went down: the organization's running impersonations end by then (minutes). */
  shortenTo: number | null;
  /** `settings.changed`. */
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}
