import type { RequestMeta } from '../../lib/request-meta.ts';
import type { MintSessionInput } from '../../lib/session-row.ts';
import type { OrganizationRow, ProfileRow, SessionRow, UserRow } from '../../store/rows.ts';
import type { EntryOfNewSession } from '../impersonation/impersonation.store.ts';
import type { MemberPage, MemberRow } from '../team/team.store.ts';

/**
 * The profiles feature's port (docs/decisions/019-store-ports.md): the chooser's reads and the
 * switch, one command.
 */
export interface ProfilesStore {
  /** A user's own profiles with their organizations, in organization name order. */
  ofUser(userId: number): Promise<ProfileListRow[]>;
  /**
   * A page of an organization's members as the team page reads it (its columns, order, cursor
   * and search), for the chooser's coworkers.
   */
  coworkers(organizationId: number, page: MemberPage): Promise<MemberRow[]>;
  /**
   * Replaces a session by a new one on another profile: revokes the old one once
   * (compare-and-set on `revoked_at`), mints the new one and audits the switch with its id.
   * `'lost_race'` when the old session was already revoked, and then nothing is written.
   */
  switchTo(command: SwitchProfile): Promise<{ token: string; session: SessionRow } | 'lost_race'>;
}

export interface ProfileListRow {
  profile: ProfileRow;
  user: Pick<UserRow, 'id' | 'name' | 'email' | 'status'>;
  organization: OrganizationRow;
}

export interface SwitchProfile {
  /** The session being replaced. */
  replacing: string;
  session: MintSessionInput;
  /** `profile.switched`: the new session's id is added when it exists. */
  audit: EntryOfNewSession;
  now: number;
  meta: RequestMeta;
}
