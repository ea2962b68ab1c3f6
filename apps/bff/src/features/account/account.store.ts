import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';

/**
 * The account feature's port (docs/decisions/019-store-ports.md): a member's own settings. Both
 * commands carry their audit entry, appended in the change's transaction.
 */
export interface AccountStore {
  /**
   * The hash the user's password is checked against, read only here and at sign-in: the
   * per-request session lookup does not carry it. Null for a user without a password; undefined
   * for no such user.
   */
  passwordHashOf(userId: number): Promise<string | null | undefined>;
  /**
   * Sets whether team admins may sign in as this profile, if it is still as the decision read
   * it (`before`); an opt-out also ends the running team impersonations of it (each audited), at
   * once with the change's audit. `'lost_race'` (nothing written) when it changed meanwhile.
   */
  setImpersonationPreference(command: SetImpersonationPreference): Promise<'changed' | 'lost_race'>;
  /**
   * Replaces the password if it is still the one the person proved (`previousHash`), and ends
   * the credentials made for them, the impersonations acting as them and every other session
   * of theirs, at once. `'lost_race'` (nothing written) when the password changed meanwhile.
   */
  changePassword(command: ChangePassword): Promise<'changed' | 'lost_race'>;
  /** A password change refused because the current password was wrong: only its audit. */
  recordPasswordChangeFailed(command: { audit: AuditEntry; meta: RequestMeta }): Promise<void>;
}

export interface SetImpersonationPreference {
  profileId: number;
  /** The setting as read when deciding: the write is a compare-and-set on it. */
  before: boolean;
  allow: boolean;
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}

export interface ChangePassword {
  userId: number;
  /** The hash the current password was checked against. */
  previousHash: string;
  passwordHash: string;
  /** The session asking: it stays signed in. */
  keepSessionId: string;
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}
