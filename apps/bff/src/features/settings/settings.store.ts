import type { GlobalSettings } from '@onbehalf/contracts/users';
import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';

/** The global switches: what the settings feature reads and the one command that changes them. */
export interface SettingsStore {
  /** Every global setting; the safe default where one is unset or unreadable. */
  read(): Promise<GlobalSettings>;
  /**
   * Writes them all if they are still `before` (else `'lost_race'`, nothing written), ends or
   * shortens running operator impersonations as asked, audits.
   */
  update(command: UpdateSettings): Promise<'done' | 'lost_race'>;
}

export interface UpdateSettings {
  /** The settings the decision read: a change made by someone else meanwhile is not undone. */
  before: GlobalSettings;
  next: GlobalSettings;
  /** The operator door closes: every running operator impersonation ends, each audited. */
  endOperatorImpersonations: boolean;
  /** The operator limit went down: running operator impersonations end by then. */
  shortenOperatorTo: number | null;
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}
