import type { CredentialKind } from '@onbehalf/contracts/login-links';
import type { CustomerPermission, ProfileRole } from '@onbehalf/contracts/permissions';
import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RepeatableEntry } from '../../lib/audit-repeat-rows.ts';
import type { CreatedBy, CredentialRoom, LoadedMaker } from '../../lib/credential-facts.ts';
import type { LoginAttempt } from '../../lib/login-attempt-row.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { MintSessionInput } from '../../lib/session-row.ts';
import type { OneClickLinkRow, OrganizationRow, UserRow } from '../../store/rows.ts';
import type { ProfileWithOrganization } from '../auth/new-session.ts';
import type {
  EntryOfNewSession,
  Started,
  StartHandover,
} from '../impersonation/impersonation.store.ts';

/**
 * The one-click feature's port (docs/decisions/019-store-ports.md): links made, emailed,
 * previewed and redeemed, "email me a link" and provisioning with a welcome link, and the
 * mail outcome of any credential sent by email. A link's single use is the adapter's
 * compare-and-set on `used_at`; a redemption that loses it answers `'lost_race'`.
 */
export interface OneClickStore {
  findUser(userId: number): Promise<UserRow | undefined>;
  /** The person with this address, whatever its case. */
  findUserByEmail(email: string): Promise<UserRow | undefined>;
  /** Every profile of a user with its organization, oldest first. */
  profilesOf(userId: number): Promise<ProfileWithOrganization[]>;
  findOrganization(id: number): Promise<OrganizationRow | undefined>;
  /** A link by the hash of its secret, with the person it is for. */
  findBySecretHash(
    secretHash: string,
  ): Promise<{ link: OneClickLinkRow; user: UserRow } | undefined>;
  /** Who made a credential, as the rules and the person see them. */
  makerOf(createdBy: CreatedBy, subjectUserId: number | null): Promise<LoadedMaker>;

  /**
   * Writes a link and the audit entries that go with it, in order. With `room`, only while the
   * person holds fewer than `cap` live credentials, counted in the same transaction: otherwise
   * nothing is written and the answer is 'too_many'.
   */
  issue(command: {
    link: NewLink;
    audit: AuditEntry[];
    meta: RequestMeta;
    room?: CredentialRoom;
  }): Promise<'issued' | 'too_many'>;
  /** "Email me a link" that sends nothing: only its audit entry. */
  recordRequested(command: { audit: AuditEntry; meta: RequestMeta }): Promise<void>;
  /**
   * A new member and their profile, then what `records` builds from their ids (the audit
   * entries, a welcome link), in one transaction. `'exists'` when the address is already
   * someone's (another request provisioned it meanwhile): nothing is written.
   */
  provision<R extends ProvisionRecords>(
    command: Provision<R>,
  ): Promise<{ user: UserRow; profileId: number; records: R } | 'exists'>;
  /**
   * A failed attempt at a link: the attempt and its audit entry, the first of a minute by the
   * same caller for the same `repeats` (what failed: a guess, or a real link that no longer
   * works) recorded and audited in full; the others are counted in the minute's
   * `audit.repeated` (SPEC §8b).
   */
  recordFailure(command: {
    attempt: LoginAttempt;
    audit: RepeatableEntry;
    meta: RequestMeta;
    repeats: string;
  }): Promise<void>;
  /**
   * Redeems a link once: claims it (unused, not revoked), revokes the session it replaces,
   * mints the new one, records the attempt and the audit entry.
   */
  redeem(command: RedeemLink): Promise<Started | 'lost_race'>;
  /** Redeems a support handover once: the claim, the attempt, its audit, the impersonation. */
  redeemHandover(command: RedeemLinkHandover): Promise<Started | 'lost_race'>;

  /** A credential's email went: its audit entry. */
  recordMailed(command: { audit: AuditEntry; meta: RequestMeta }): Promise<void>;
  /**
   * A credential's email could not be sent: the credential is withdrawn (nobody received it)
   * in the transaction that audits the failure.
   */
  withdrawUndelivered(command: {
    credential: { kind: CredentialKind; id: string };
    audit: AuditEntry;
    now: number;
    meta: RequestMeta;
  }): Promise<void>;
}

/** A link as it is written; what it records when used or withdrawn starts empty. */
export type NewLink = Omit<OneClickLinkRow, 'usedAt' | 'revokedAt' | 'revokedReason'>;

export interface ProvisionRecords {
  link: NewLink | null;
  audit: AuditEntry[];
}

export interface Provision<R extends ProvisionRecords> {
  user: { email: string; name: string };
  profile: { organizationId: number; role: ProfileRole; permissions: CustomerPermission[] };
  now: number;
  /** What is written with the new person once their ids exist (pure: no I/O). */
  records(created: { user: UserRow; profileId: number }): R;
  meta: RequestMeta;
}

export interface RedeemLink {
  linkId: string;
  session: MintSessionInput;
  /** The session this browser had, replaced by the new one. */
  replacing: string | null;
  attempt: LoginAttempt;
  /** `one_click.redeemed`. */
  audit: EntryOfNewSession;
  now: number;
  meta: RequestMeta;
}

export interface RedeemLinkHandover {
  linkId: string;
  attempt: LoginAttempt;
  /** `one_click.redeemed`: the session it opens is the impersonation's. */
  audit: AuditEntry;
  start: StartHandover;
  now: number;
  meta: RequestMeta;
}
