import type { MadeKind } from '../../domain/credentials/policy.ts';
import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { OrganizationRow, ProfileRow, UserRow } from '../../store/rows.ts';

/**
 * The users feature's port (docs/decisions/019-store-ports.md): Admin › Users' reads, and its
 * two commands, each a compare-and-set on what the service decided from, carrying its audit.
 */
export interface UsersStore {
  /**
   * Up to `limit + 1` users (the extra one tells that a next page exists) in name order: the
   * name in lower case (ASCII letters only, compared byte by byte), then the id, after the
   * cursor `after`. Found by every word typed in their name or email (the full-text index) or
   * by their organization's name holding the text; with `organizationIds`, only people with a
   * profile in one of them, and by those organizations' names only (ADR 031).
   */
  search(page: UsersPage): Promise<FoundUser[]>;
  /** The profiles of these users with their organizations, by organization name, then id. */
  profilesOf(userIds: readonly number[]): Promise<ProfileOfUser[]>;
  /** Organizations whose name holds the text, by name, then id; at most 50. */
  /** Organizations whose name holds the text, by name, then id; `limit` at most. */
  organizations(query: string | undefined, limit: number): Promise<OrganizationSummary[]>;
  userById(id: number): Promise<UserRow | undefined>;
  profileWithUser(profileId: number): Promise<ProfileOfUserRow | undefined>;
  /**
   * Sets a user's status and operator role if they are still `before`, and ends what the
   * change ends, with its audit, at once. `'lost_race'` (nothing written) when another change
   * came first.
   */
  updateUser(command: UpdateUser): Promise<'updated' | 'lost_race'>;
  /**
   * Sets a profile's role and permissions if they are still `beforeRole` and
   * `beforePermissions`, ends the running impersonations by or of the profile that the change no
   * longer allows (each audited, the policy's re-check deciding), with its audit, at once.
   * `'lost_race'` (nothing written) when another change came first.
   */
  setProfileRole(command: SetProfileRole): Promise<'updated' | 'lost_race'>;
  /**
   * A new operator with a password, with its audit, at once: the new user's id, or `'taken'`
   * (nothing written) when the address already has an account.
   */
  createOperator(command: CreateOperator): Promise<number | 'taken'>;
}

export interface CreateOperator {
  /** The address in lower case, as every address is stored. */
  email: string;
  name: string;
  passwordHash: string;
  operatorRole: NonNullable<UserRow['operatorRole']>;
  audit: (userId: number) => AuditEntry;
  now: number;
  meta: RequestMeta;
}

export interface UsersPage {
  query?: string | undefined;
  /** The sort name and id of the last user of the page before. */
  after?: readonly [string, number] | undefined;
  limit: number;
  organizationIds?: readonly number[] | undefined;
}

export interface FoundUser {
  user: UserRow;
  /** The user's sort key, for the next page's cursor. */
  sortName: string;
}

export interface ProfileOfUser {
  profile: ProfileRow;
  organization: OrganizationRow;
}

export interface ProfileOfUserRow {
  profile: ProfileRow;
  user: UserRow;
}

export type OrganizationSummary = Pick<
  OrganizationRow,
  'id' | 'name' | 'kind' | 'integrationsEnabled'
>;

type UserStanding = Pick<UserRow, 'status' | 'operatorRole'>;

export interface UpdateUser {
  userId: number;
  /** What the decision was made from: the write happens only if the user still stands so. */
  before: UserStanding;
  after: UserStanding;
  /**
   * The user was disabled: their sessions are revoked, the impersonations by them and of them
   * end (each audited) and the credentials made for them end.
   */
  disabled: boolean;
  /**
   * The kinds of credential they made that end, with the support impersonations started from
   * them (API keys take what the keys made): each kind whose right to make they lost.
   */
  endCredentialsMade: readonly MadeKind[];
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}

export interface SetProfileRole {
  profileId: number;
  /** The role and permissions as read when deciding: the write is a compare-and-set on both. */
  beforeRole: ProfileRow['role'];
  beforePermissions: ProfileRow['permissions'];
  role: ProfileRow['role'];
  permissions: ProfileRow['permissions'];
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}
