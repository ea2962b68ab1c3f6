import type { EndReason } from '@onbehalf/contracts/impersonation';
import type { CredentialContext } from '../../app-env.ts';
import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RepeatableEntry } from '../../lib/audit-repeat-rows.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { ImpersonationSession, Settled } from '../../lib/running-impersonation.ts';
import type { MintSessionInput } from '../../lib/session-row.ts';
import type { SessionLookup, SessionRow, UserRow } from '../../store/rows.ts';
import type { EntryOfNewSession } from '../impersonation/impersonation.store.ts';
import type { ProfileWithOrganization } from './new-session.ts';

/**
 * The auth feature's port (docs/decisions/019-store-ports.md): the per-request session check,
 * password sign-in, sign-out, and the person's list of sessions. The check runs on every
 * request: on SQLite each read is one prepared statement.
 */
export interface AuthStore {
  /** The session a token's hash names, with its user, active profile and organization. */
  sessionByToken(token: string): Promise<SessionLookup | undefined>;
  /**
   * The per-request re-check of an impersonation (the policy in domain/impersonation): ends it
   * there and then, once and audited, when it may no longer run.
   */
  settleImpersonation(
    impersonationId: string,
    session: ImpersonationSession,
    now: number,
    meta: RequestMeta,
  ): Promise<Settled>;
  /**
   * A session a credential opened for a system lasts while the credential stands; otherwise it
   * is revoked there and then (audited, naming why) and null is returned.
   */
  settleCredentialSession(
    session: SessionRow,
    now: number,
    meta: RequestMeta,
  ): Promise<CredentialContext | null>;
  /** Notes the session was used, at most once per interval (it never moves back). */
  touch(session: SessionRow, now: number): Promise<void>;

  findUserByEmail(email: string): Promise<UserRow | undefined>;
  /** The user's profile when it is their only one, else null (they pick one next). */
  soleProfile(userId: number): Promise<ProfileWithOrganization | null>;
  /** How many profiles a user has. */
  profileCount(userId: number): Promise<number>;
  /**
   * A failed sign-in, audited: the first of a minute by the same address for the same `repeats`
   * (the failure, and the account when there is one) in full, the others counted in the
   * minute's `audit.repeated` (SPEC §8b).
   */
  recordSignInFailed(command: {
    audit: RepeatableEntry;
    meta: RequestMeta;
    repeats: string;
  }): Promise<void>;
  /** Mints the session and audits the sign-in with its id, in one transaction. */
  signIn(command: {
    session: MintSessionInput;
    audit: EntryOfNewSession;
    meta: RequestMeta;
  }): Promise<{ token: string; session: SessionRow }>;
  /**
   * Ends a session and everything that hangs on it: the impersonation it is (if any, with
   * `impersonationEndReason`), the session itself, and the impersonations it started. False
   * when the session had already ended (a compare-and-set on it): then nothing is done or
   * recorded, so two sign-outs at once record one.
   */
  endSession(command: EndSession): Promise<boolean>;

  /**
   * A page of a user's live sessions, newest first, `before` the id the last page ended on;
   * only those matching `query` when given (`sessionsMatching`, store/own-sessions.ts).
   */
  liveSessions(
    userId: number,
    now: number,
    idleSince: number,
    page: { before?: string | undefined; query?: string | undefined; limit: number },
  ): Promise<LiveSession[]>;
  findSession(id: string): Promise<SessionRow | undefined>;
}

export interface LiveSession {
  session: SessionRow;
  organizationName: string | null;
  /** Who holds it, when someone else acts as the person in it. */
  actor: Pick<UserRow, 'name' | 'kind' | 'operatorRole'> | null;
  /** The credential that opened it for a system, if one did. */
  credential: CredentialContext | null;
}

export interface EndSession {
  sessionId: string;
  /** Why the session ends: `signed_out`, `revoked_by_user`. */
  reason: string;
  /** The impersonation this session is, ended first (audited) with this reason. */
  impersonation: { id: string; reason: EndReason } | null;
  /** Why the impersonations this session started end (each audited). */
  startedEndReason: EndReason;
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}
