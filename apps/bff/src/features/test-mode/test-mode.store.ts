import type {
  CustomerPermission,
  OperatorRole,
  ProfileRole,
} from '@onbehalf/contracts/permissions';
import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';

/**
 * Test mode (`/api/test/*`): the data a test makes for itself, the mailbox it reads, and the
 * audit event of every call (docs/decisions/019-store-ports.md).
 */
export interface TestModeStore {
  /** An organization with its people, each with a profile there, audited; in one transaction. */
  createOrganization(command: CreateTestOrganization): Promise<CreatedOrganization>;
  /** An operator with a password, audited; returns the new user's id. */
  createOperator(command: CreateTestOperator): Promise<number>;
  /**
   * Marks the database as a test database, for good, unless it holds a real person's account
   * (an address outside the reserved `.test` domain, in any case), whom test mode's made-up
   * operators could otherwise act as; the server then refuses to start in test mode:
   * a test-mode start does, so that every process and the command line refuse to add a person
   * outside `.test` to it, in test mode or not (`isTestDatabase`). The look and the mark are one
   * step no person's creation can come between, from any process; once marked, the database
   * itself refuses a person outside `.test` (`test_addresses_only`).
   */
  markTestDatabase(now: number): Promise<'marked' | 'holds_real_accounts'>;
  /** Whether a test-mode start ever ran on this database. */
  isTestDatabase(): Promise<boolean>;
  /** What the local outbox holds for an address (stored in lower case), newest first. */
  mailbox(to: string, limit: number): Promise<MailboxMessage[]>;
  /** Records an event of a call that changes nothing in the store (a mailbox read, the clock). */
  record(command: { audit: AuditEntry; meta: RequestMeta }): Promise<void>;
  /** How far a test's clock has been moved forward, in ms (0 for one never moved). */
  clockOffset(namespace: string): Promise<number>;
  /**
   * Moves a test's clock forward by `advanceMs`, audited in the same transaction; its new
   * offset. Of moves at once, from any process, each adds its own.
   */
  advanceClock(command: {
    namespace: string;
    advanceMs: number;
    audit: (offsetMs: number) => AuditEntry;
    meta: RequestMeta;
  }): Promise<number>;
}

/** Someone a test signs in as: a password, stored only as its hash. */
export interface NewPerson {
  email: string;
  name: string;
  passwordHash: string;
}

export interface CreateTestOrganization {
  organization: { name: string; impersonationEnabled: boolean; integrationsEnabled: boolean };
  /** The people of the organization, in this order, each with a profile of this role there. */
  members: (NewPerson & { role: ProfileRole; permissions: CustomerPermission[] })[];
  /** The event, once the organization has its id. */
  audit: (organizationId: number) => AuditEntry;
  now: number;
  meta: RequestMeta;
}

export interface CreatedOrganization {
  organizationId: number;
  /** The members' ids, in the order they were asked for. */
  members: { userId: number; profileId: number }[];
}

export interface CreateTestOperator {
  person: NewPerson & { operatorRole: OperatorRole };
  /** The event, once the operator has their id. */
  audit: (userId: number) => AuditEntry;
  now: number;
  meta: RequestMeta;
}

/** A message of the local outbox: its redacted copy, and the whole of it sealed, if kept. */
export interface MailboxMessage {
  subject: string;
  text: string;
  sealed: string | null;
  createdAt: number;
}
