import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RepeatableEntry } from '../../lib/audit-repeat-rows.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { MintSessionInput } from '../../lib/session-row.ts';
import type {
  ImpersonationRow,
  OrganizationRow,
  ProfileRow,
  SessionRow,
  UserRow,
} from '../../store/rows.ts';
import type { ProfileWithOrganization } from '../auth/new-session.ts';

/** Where a page of the access history starts, and how long it is. */
export interface HistoryPage {
  /** `[issuedAt, id]` of the last row of the page before. */
  after?: readonly [number, string] | undefined;
  limit: number;
}

/**
 * The impersonation feature's port (docs/decisions/019-store-ports.md): what both doors, the
 * exchange, leaving and the access history read, and one command per transaction they make.
 * Single use is the adapter's compare-and-set, and its answer is the command's.
 */
export interface ImpersonationStore {
  /** A profile of this organization with its person and organization: the team door's target. */
  teamTarget(organizationId: number, profileId: number): Promise<TeamTarget | undefined>;
  /** A user and their profiles, each with its organization: the operator door's target. */
  userWithProfiles(userId: number): Promise<UserWithProfiles | undefined>;
  /** The impersonation a hand-off token names, by its id. */
  findById(id: string): Promise<ImpersonationRow | undefined>;
  /** A session with its parties, and how many profiles its user has (leaving returns to it). */
  session(id: string): Promise<SessionWithParties | undefined>;
  /**
   * Who acted as this user, newest first (by when it was asked for, then id): `limit + 1` rows
   * from after `after`, the last row of the page before, so the caller knows whether more follow.
   */
  accessHistory(targetUserId: number, page: HistoryPage): Promise<AccessHistoryRow[]>;

  /**
   * A refused impersonation or a failed exchange, with the rule that refused: the first of its
   * kind in a minute is written, its repeats counted (SPEC §8b).
   */
  recordRefusal(entry: RepeatableEntry, rule: string, meta: RequestMeta): Promise<void>;
  /** Writes a hand-off: the impersonation, not started yet, and its audit event. */
  issueHandoff(command: IssueHandoff): Promise<void>;
  /**
   * The exchange: claims the hand-off once, while it has not expired (compare-and-set on
   * `handoff_used_at`), ends any other impersonation of the same own session as replaced,
   * mints the impersonation session and audits the start, in one transaction. `'lost_race'`
   * when another exchange claimed it first: nothing is written.
   */
  exchange(command: ExchangeHandoff): Promise<Started | 'lost_race'>;
  /** Ends a running impersonation as left: once, its session revoked, audited. */
  leave(command: { row: ImpersonationRow; now: number; meta: RequestMeta }): Promise<void>;
  /**
   * Started impersonations still marked running whose end has come (`ends_at` at or before
   * `now`), the earliest end first, after `after` (the `[endsAt, id]` of the last one before):
   * at most `limit`, each with its own session, for housekeeping to settle. Those nobody used
   * again would otherwise stay "running" to the person acted as (store/housekeeping.ts).
   */
  overdue(
    now: number,
    after: readonly [number, string] | undefined,
    limit: number,
  ): Promise<OverdueImpersonation[]>;
}

export interface OverdueImpersonation {
  id: string;
  endsAt: number;
  session: { expiresAt: number; revokedAt: number | null };
}

export interface TeamTarget {
  profile: ProfileRow;
  user: UserRow;
  organization: OrganizationRow;
}

export interface UserWithProfiles {
  user: UserRow;
  /** Oldest first. */
  profiles: ProfileWithOrganization[];
}

export interface SessionWithParties {
  session: SessionRow;
  user: UserRow | null;
  profile: ProfileRow | null;
  organization: OrganizationRow | null;
  profileCount: number;
}

export interface AccessHistoryRow {
  row: ImpersonationRow;
  actor: UserRow;
  organizationName: string | null;
}

/** A session just minted, and the only copy of its token. */
export interface Started {
  token: string;
  session: SessionRow;
}

/** An audit entry written with a new session: the adapter names that session in it. */
export type EntryOfNewSession = Omit<AuditEntry, 'sessionId'>;

/** The columns of a hand-off when it is issued; the rest start empty. */
export type NewHandoff = Pick<
  ImpersonationRow,
  | 'id'
  | 'door'
  | 'actorUserId'
  | 'actorProfileId'
  | 'actorSessionId'
  | 'targetUserId'
  | 'targetProfileId'
  | 'organizationId'
  | 'reason'
  | 'ticket'
  | 'handoffTokenHash'
  | 'handoffExpiresAt'
  | 'issuedAt'
>;

export interface IssueHandoff {
  /** Any other hand-off its own session asked for and never used ends as replaced with it. */
  handoff: NewHandoff;
  audit: AuditEntry;
  meta: RequestMeta;
}

export interface ExchangeHandoff {
  id: string;
  /**
   * The own session that asked for it: any other impersonation it runs or asked for ends as
   * replaced in the same transaction (one at a time per own session).
   */
  actorSessionId: string;
  /** The impersonation session, ending at `endsAt`. */
  session: MintSessionInput & { impersonationId: string; expiresAt: number };
  /** `impersonation.started`. */
  audit: EntryOfNewSession;
  now: number;
  meta: RequestMeta;
}

/**
 * A support handover's impersonation (SPEC §4b), started with the redemption of the credential
 * that was its hand-off: the row, already started, and its session. Part of the one-click and
 * login-token redemption commands, which claim the credential in the same transaction.
 */
export interface StartHandover {
  impersonation: Omit<ImpersonationRow, 'sessionId'>;
  session: MintSessionInput & { impersonationId: string; expiresAt: number };
  /** `impersonation.started`. */
  audit: EntryOfNewSession;
}
