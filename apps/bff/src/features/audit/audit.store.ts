import type { AuditBreak, AuditFilters, AuditVerification } from '@onbehalf/contracts/audit';
import type { AnchoredHead } from '../../lib/audit-anchor.ts';
import type { RepeatableEntry } from '../../lib/audit-repeat-rows.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { ImpersonationRow, OrganizationRow, UserRow } from '../../store/rows.ts';

/**
 * Who reads the trail: staff (operators with audit:read) see everything; a customer (the team
 * audit) sees staff by name and role only, never an operator's email, address or browser
 * (SPEC §4b).
 */
export type Audience = 'staff' | 'customer';

/** One event as its id and its JSON text, in the shape of the contract's `auditEvent`. */
export type AuditEventJson = { id: number; json: string };

/**
 * What one read of a page found. A free-text search examines a bounded number of events per
 * read (SPEC §8b: bounded work per request); when it stops on that bound before the page is
 * full, `resumeBelow` is the id below which it has not looked yet, and the reader's next page
 * goes on from there. Null when the page is full or nothing older is left.
 */
export interface AuditEventsRead {
  events: AuditEventJson[];
  resumeBelow: number | null;
}

/**
 * The audit trail as its readers see it (docs/decisions/019-store-ports.md): pages of events,
 * one impersonation, each read itself on the record, and the chain's verification and prune.
 */
export interface AuditStore {
  /**
   * Up to `limit` events matching every filter, newest first (the higher id first), only those
   * older than event `before` when given. `query` is free text through the full-text index: every
   * word typed must start a word of the reason, details, type or address (for a customer, not
   * an operator's address, which it is not shown either); a `query` with nothing searchable
   * matches nothing. Each event arrives serialised for `audience`. A search may
   * answer fewer than `limit` with where to resume (`AuditEventsRead`).
   */
  page(query: {
    filters: AuditFilters;
    before: number | null;
    limit: number;
    audience: Audience;
  }): Promise<AuditEventsRead>;
  /** An impersonation with who did it, to whom and in which organization; null if none. */
  impersonation(id: string): Promise<AuditImpersonation | null>;
  /**
   * Records a read of the trail as a read that may repeat (SPEC §8b), per reader and `rule`
   * (which door): the first in a minute is audited at once, the rest counted and summarised.
   */
  recordRead(command: { audit: RepeatableEntry; rule: string; meta: RequestMeta }): Promise<void>;
  /**
   * Recomputes the chain with `key` (the server's, never the database's), from the last
   * checkpoint that verifies, and compares its head with the one kept outside (`anchored`).
   * The answer lists the first and latest breaks; `onBreak` is told of each as it is found.
   */
  verify(query: {
    key: Buffer;
    anchored: AnchoredHead | null;
    onBreak?: (found: AuditBreak) => void;
  }): Promise<AuditVerification>;
  /**
   * Deletes events older than `retentionDays` before `now`, leaving a keyed checkpoint so the
   * chain still verifies from the first kept event; then the access history's rows as old
   * (sign-in attempts, finished impersonations: ADR 043). A prune that deleted anything says so
   * in the trail (`audit.pruned`: how many of each, through which event, the retention).
   */
  prune(command: { key: Buffer; retentionDays: number; now: number; meta: RequestMeta }): Promise<{
    pruned: number;
    throughId: number | null;
    attempts: number;
    impersonations: number;
  }>;
}

/** An impersonation as its report shows it. */
export interface AuditImpersonation {
  row: ImpersonationRow;
  actor: Pick<UserRow, 'id' | 'name' | 'email' | 'kind' | 'operatorRole'>;
  target: Pick<UserRow, 'id' | 'name' | 'email'>;
  organization: Pick<OrganizationRow, 'id' | 'name'> | null;
}
