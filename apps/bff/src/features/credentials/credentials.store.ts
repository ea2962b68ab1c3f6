import type {
  CredentialHolder,
  CredentialKind,
  CredentialMaker,
} from '@onbehalf/contracts/login-links';
import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { StartIn } from '../../store/keyset.ts';
import type { LoginTokenRow, OneClickLinkRow } from '../../store/rows.ts';

/**
 * The credentials feature's port (docs/decisions/019-store-ports.md): the sign-in links and
 * login tokens others made for a person, as that person sees them (Account, access history),
 * and their withdrawal by that person.
 */
export interface CredentialsStore {
  /**
   * One-click links made for the user that still work: `limit` of them from `start`, newest
   * made first (same instant: the higher id first); only those `heldBy` one holder when given.
   */
  liveLinksFor(
    userId: number,
    now: number,
    page: MergedPage<string>,
    heldBy?: CredentialHolder,
  ): Promise<LinkMadeFor[]>;
  /** Login tokens made for any of the user's profiles that still work, in the same way. */
  liveTokensFor(
    userId: number,
    now: number,
    page: MergedPage<number>,
    heldBy?: CredentialHolder,
  ): Promise<TokenMadeFor[]>;
  /**
   * The credentials made for the user whose impersonation of the user still runs (a support
   * token or handover link in use; at most `HANDOVERS_LOOKED_AT` impersonations, read through
   * `impersonations_running_handover_idx` in its order, not the person's whole history),
   * and of those, the ones that no longer work (used or run out, not withdrawn), each kind
   * newest made first: the Account list shows the live ones in their place.
   */
  handoversInUseFor(
    userId: number,
    now: number,
  ): Promise<{
    running: { kind: CredentialKind; id: string }[];
    links: LinkMadeFor[];
    tokens: TokenMadeFor[];
  }>;
  /**
   * Links handed to a system for the user, whatever became of them: `limit` of them from
   * `start`, newest made first (same instant: the higher id first).
   */
  integrationLinksFor(userId: number, page: MergedPage<string>): Promise<LinkMadeFor[]>;
  /** Login tokens handed to a system for one of the user's profiles, in the same order. */
  integrationTokensFor(userId: number, page: MergedPage<number>): Promise<TokenMadeFor[]>;
  /**
   * Withdraws a live credential made for this user, ends the sessions it opened for a system
   * and the impersonations it started (each audited), and audits the withdrawal, at once.
   * `'not_found'` (nothing written) when there is no such live credential of theirs: unknown,
   * someone else's, already ended, or withdrawn meanwhile.
   */
  revoke(command: RevokeCredential): Promise<'revoked' | 'not_found'>;
}

/**
 * Running impersonations of one person a credential started, looked at by the Account list: a
 * support agent's one at a time per session, so far more than anyone meets.
 */
export const HANDOVERS_LOOKED_AT = 100;

/** A page of one table of a list merged from several (store/keyset.ts). */
export interface MergedPage<Id extends number | string> {
  start: StartIn<Id> | undefined;
  limit: number;
}

/** A link with the name of its profile's organization and its maker as the person sees them. */
export interface LinkMadeFor {
  link: OneClickLinkRow;
  organizationName: string | null;
  maker: CredentialMaker;
}

export interface TokenMadeFor {
  token: LoginTokenRow;
  organizationName: string;
  maker: CredentialMaker;
}

export interface RevokeCredential {
  /** The person withdrawing it; only a credential made for them is touched. */
  userId: number;
  /** A login token's id is a decimal integer; any other id names no token. */
  credential: { kind: CredentialKind; id: string };
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}
