import type { AttemptOutcome, LoginTokenState } from '@onbehalf/contracts/login-links';
import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RepeatableEntry } from '../../lib/audit-repeat-rows.ts';
import type { CreatedBy, CredentialRoom, LoadedMaker } from '../../lib/credential-facts.ts';
import type { LoginAttempt } from '../../lib/login-attempt-row.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { MintSessionInput } from '../../lib/session-row.ts';
import type { LoginTokenRow, OrganizationRow, ProfileRow, UserRow } from '../../store/rows.ts';
import type {
  EntryOfNewSession,
  Started,
  StartHandover,
} from '../impersonation/impersonation.store.ts';

/**
 * The login-tokens feature's port (docs/decisions/019-store-ports.md): the backoffice list,
 * details and subject search, and the commands that create, delete and redeem a token. A
 * redemption's use is the adapter's compare-and-set (a one-time token is used up by the same
 * statement); one that loses it answers `'lost_race'`.
 */
export interface LoginTokensStore {
  /**
   * A page of tokens, newest first (by id), searched and filtered: `limit + 1` rows, so the
   * caller knows whether there is more. `before` is the id the previous page ended on. A search
   * examines at most TOKEN_SEARCH_IDS ids per read; when it stops there before the page is full,
   * `resumeBelow` is where the next page goes on (null otherwise).
   */
  list(page: TokenPage): Promise<{ rows: TokenWithParties[]; resumeBelow: number | null }>;
  /**
   * One token by id, if `scope` sees it (`TokenScope`, the same rule as the list's): undefined
   * for a token it does not see, as for one that does not exist. No scope, any token.
   */
  find(id: number, scope?: TokenScope): Promise<TokenWithParties | undefined>;
  /** Attempts newest first, `limit + 1` of them from `before` (an attempt id) down. */
  attempts(
    tokenId: number,
    page: { before?: number | undefined; limit: number },
  ): Promise<TokenAttempt[]>;
  /** A profile a token may be for, with its person and organization. */
  subject(profileId: number): Promise<Subject | undefined>;
  /**
   * Active customers whose name or email contains `query`, in name order, at most `limit`;
   * only in these organizations when given.
   */
  searchSubjects(
    query: string,
    organizationIds: readonly number[] | undefined,
    limit: number,
  ): Promise<Subject[]>;
  /** Who made a credential, as the rules and the person see them. */
  makerOf(createdBy: CreatedBy, subjectUserId: number | null): Promise<LoadedMaker>;

  /**
   * Writes a token and its audit entry, built from the id it was given. Returns the id. With
   * `room`, only while the person holds fewer than `cap` live credentials, counted in the same
   * transaction: otherwise nothing is written and the answer is 'too_many'.
   */
  create(command: {
    token: NewToken;
    audit: (tokenId: number) => AuditEntry;
    meta: RequestMeta;
    room?: CredentialRoom;
  }): Promise<number | 'too_many'>;
  /**
   * Deletes a token once (its secret wiped), revokes the sessions it opened, ends the
   * impersonations it started, audits. `'already_deleted'`: another deletion came first, and
   * nothing is written.
   */
  remove(command: {
    id: number;
    audit: AuditEntry;
    now: number;
    meta: RequestMeta;
  }): Promise<'deleted' | 'already_deleted'>;
  /**
   * A failed attempt: counted on the token when there is one, recorded, audited; the first of
   * a minute by the same caller for the same `repeats` (what failed: a guess, or a real token
   * that no longer works) recorded and audited in full, the others counted on the token and in
   * the minute's `audit.repeated` (SPEC §8b).
   */
  recordFailure(command: {
    tokenId: number | null;
    attempt: LoginAttempt;
    audit: RepeatableEntry;
    now: number;
    meta: RequestMeta;
    repeats: string;
  }): Promise<void>;
  /**
   * Redeems a token: counts its use only while it works (a one-time token used up by the same
   * statement), revokes the session it replaces, mints the new one, records and audits.
   */
  redeem(command: RedeemToken): Promise<Started | 'lost_race'>;
  /** Redeems a support token: its use, the attempt, its audit, the impersonation. */
  redeemHandover(command: RedeemTokenHandover): Promise<Started | 'lost_race'>;
}

/**
 * How many token ids one read of a text search covers at most: a search is a "contains" over
 * each token's person, organization and Extra, and one that matched little read every token.
 */
export const TOKEN_SEARCH_IDS = 100_000;

export interface TokenPage {
  now: number;
  scope: TokenScope;
  query?: string | undefined;
  state?: LoginTokenState | undefined;
  before?: number | undefined;
  limit: number;
}

/**
 * An API key sees the tokens of its organizations' people and the ones it made, support tokens
 * never; others, all.
 */
export type TokenScope = { organizationIds: readonly number[]; apiKeyId: string } | null;

export interface TokenWithParties {
  token: LoginTokenRow;
  user: UserRow | null;
  profile: ProfileRow | null;
  organization: OrganizationRow | null;
  creatorName: string | null;
}

export interface Subject {
  profile: ProfileRow;
  user: UserRow;
  organization: OrganizationRow;
}

export interface TokenAttempt {
  id: number;
  at: number;
  outcome: AttemptOutcome;
  ip: string | null;
  userAgent: string | null;
}

/** A token as it is written; its counts and endings start empty. */
export type NewToken = Omit<
  LoginTokenRow,
  | 'id'
  | 'usedUpAt'
  | 'deletedAt'
  | 'successfulAttempts'
  | 'failedAttempts'
  | 'lastAccessedAt'
  | 'revokedReason'
>;

interface TokenUse {
  id: number;
  /** Used up by this redemption: the compare-and-set also sets `used_up_at`. */
  oneTimeUse: boolean;
}

export interface RedeemToken extends TokenUse {
  session: MintSessionInput;
  /** The session this browser had, replaced by the new one. */
  replacing: string | null;
  attempt: LoginAttempt;
  /** `login_token.used`. */
  audit: EntryOfNewSession;
  now: number;
  meta: RequestMeta;
}

export interface RedeemTokenHandover extends TokenUse {
  attempt: LoginAttempt;
  /** `login_token.used`: the session it opens is the impersonation's. */
  audit: AuditEntry;
  start: StartHandover;
  now: number;
  meta: RequestMeta;
}
