import type { CredentialKind, CredentialMaker } from '@onbehalf/contracts/login-links';
import type { OperatorRole } from '@onbehalf/contracts/permissions';
import type { CredentialContext } from '../app-env.ts';
import {
  integrationBlock,
  type Maker,
  makerHoldsRight,
  rightsToMake,
} from '../domain/credentials/policy.ts';
import type { ApiKeyRow, ProfileRow, SessionRow, UserRow } from '../store/rows.ts';
import { apiKeyAsMaker } from './api-key-format.ts';
import type { AuditEntry } from './audit-event.ts';
import type { RequestMeta } from './request-meta.ts';
import { sha256 } from './tokens.ts';

/**
 * Credentials made for someone else, apart from how a store reads them: who made one as the
 * rules and the person see them, what the per-request check of a session a credential opened
 * needs to know, and its answer. The same on every store (store/sqlite/credentials.ts on SQLite,
 * store/postgres/credentials.ts on PostgreSQL); domain/credentials/policy.ts has the rules.
 */

/** Changes whenever the password does, without keeping anything that could be reversed. */
export function credentialFingerprint(user: Pick<UserRow, 'passwordHash'>): string {
  return sha256(`credential:${user.passwordHash ?? 'none'}`);
}

export interface CreatedBy {
  createdByUserId: number | null;
  createdByApiKeyId: string | null;
}

export interface LoadedMaker {
  /** What the policy checks: is the maker still entitled? */
  policy: Maker;
  /** How the person the credential is for sees the maker: staff by name and role only. */
  display: CredentialMaker;
}

export const systemMaker: LoadedMaker = {
  policy: { kind: 'system' },
  display: { kind: 'system', name: 'onbehalf', operatorRole: null },
};

/** A maker no longer on record (keys and people are never deleted): entitled to nothing. */
export const goneMaker: LoadedMaker = {
  policy: { kind: 'operator', status: 'disabled', operatorRole: null },
  display: { kind: 'system', name: 'unknown', operatorRole: null },
};

/** Which record names the maker: an API key, a person, or none (the command line). */
export type MakerRef =
  | { kind: 'api_key'; id: string }
  | { kind: 'user'; id: number }
  | { kind: 'system' };

export function makerRef(createdBy: CreatedBy): MakerRef {
  if (createdBy.createdByApiKeyId !== null)
    return { kind: 'api_key', id: createdBy.createdByApiKeyId };
  if (createdBy.createdByUserId === null) return { kind: 'system' };
  return { kind: 'user', id: createdBy.createdByUserId };
}

/** The operator who made a key, as the rules see them today. */
type KeyMaker = { status: 'active' | 'disabled'; operatorRole: OperatorRole | null } | null;

/** An API key as a credential's maker, from its row and its own maker's; gone when missing. */
export function makerOfKey(found: { key: ApiKeyRow; keyMaker: KeyMaker } | undefined): LoadedMaker {
  if (!found) return goneMaker;
  return {
    policy: apiKeyAsMaker(found.key, found.keyMaker),
    display: { kind: 'api_key', name: found.key.name, operatorRole: null },
  };
}

/**
 * A person as a credential's maker: themselves ("email me a link") when a customer made it for
 * themselves, otherwise an operator; gone when missing.
 */
export function makerOfUser(
  user: Pick<UserRow, 'name' | 'kind' | 'status' | 'operatorRole'> | undefined,
  makerUserId: number,
  subjectUserId: number | null,
): LoadedMaker {
  if (!user) return goneMaker;
  if (makerUserId === subjectUserId && user.kind === 'customer') {
    return {
      policy: { kind: 'self' },
      display: { kind: 'self', name: user.name, operatorRole: null },
    };
  }
  return {
    policy: { kind: 'operator', status: user.status, operatorRole: user.operatorRole },
    display: { kind: 'operator', name: user.name, operatorRole: user.operatorRole },
  };
}

/** A credential as the per-request check and the session view need it. */
export interface CredentialFacts {
  withdrawn: boolean;
  name: string;
  createdBy: CreatedBy;
  subjectUserId: number;
  user: Pick<UserRow, 'kind' | 'status'>;
  profile: Pick<ProfileRow, 'role' | 'permissions'> | null;
  organization: { id: number; integrationsEnabled: boolean } | null;
}

type Party = Pick<CredentialFacts, 'user' | 'profile' | 'organization'>;

/** A one-click link's facts, from the link with its person, profile and organization. */
export function factsOfLink(
  found:
    | (Party & {
        link: CreatedBy & { revokedAt: number | null; userId: number };
      })
    | undefined,
): CredentialFacts | undefined {
  if (!found) return undefined;
  return {
    withdrawn: found.link.revokedAt !== null,
    name: 'One-click link',
    createdBy: found.link,
    subjectUserId: found.link.userId,
    user: found.user,
    profile: found.profile,
    organization: found.organization,
  };
}

/** A login token's facts, from the token with its profile, organization and person. */
export function factsOfToken(
  found:
    | (Party & {
        token: CreatedBy & { id: number; deletedAt: number | null; extra: string | null };
        profile: Pick<ProfileRow, 'role' | 'permissions' | 'userId'>;
      })
    | undefined,
): CredentialFacts | undefined {
  if (!found) return undefined;
  return {
    withdrawn: found.token.deletedAt !== null,
    name: found.token.extra ?? `Login token #${found.token.id}`,
    createdBy: found.token,
    subjectUserId: found.profile.userId,
    user: found.user,
    profile: found.profile,
    organization: found.organization,
  };
}

/** The credential that opened a session for a system, as the session view names it. */
export function credentialContext(
  kind: CredentialKind,
  session: SessionRow,
  facts: CredentialFacts,
  maker: LoadedMaker,
): CredentialContext {
  return { kind, id: session.viaCredentialId ?? '', name: facts.name, maker: maker.display };
}

/** Why a session a credential opened for a system may serve no more (its revocation's event says). */
export type CredentialSessionEnd =
  | 'credential_withdrawn'
  | 'account_disabled'
  | 'integrations_disabled'
  | 'integration_not_allowed'
  | 'maker_lost_right';

/**
 * The per-request answer for a session a credential opened for a system: its context while the
 * credential stands, the organization still allows integrations, the profile still has no team
 * rights and the maker still holds the right to have made it; otherwise which of them no longer
 * holds, and the store revokes the session.
 */
export function standingCredential(
  session: SessionRow,
  facts: CredentialFacts | undefined,
  maker: LoadedMaker | undefined,
  now: number,
): { context: CredentialContext } | { ended: CredentialSessionEnd } {
  const kind = session.viaKind;
  if (!kind || !facts || !maker || facts.withdrawn) return { ended: 'credential_withdrawn' };
  const blocked = integrationBlock({
    kind: facts.user.kind,
    status: facts.user.status,
    profile: facts.profile,
    integrationsEnabled: facts.organization?.integrationsEnabled ?? false,
  });
  if (blocked) return { ended: blocked };
  const organizations = facts.organization ? [facts.organization.id] : [];
  if (!makerHoldsRight(maker.policy, rightsToMake[kind], organizations, now)) {
    return { ended: 'maker_lost_right' };
  }
  return { context: credentialContext(kind, session, facts, maker) };
}

/**
 * The event of a session revoked by its per-request check: written by the request that found
 * it, naming the credential as every event in such a session does, once (whichever request or
 * process revokes it).
 */
export function credentialSessionRevoked(
  session: SessionRow,
  facts: CredentialFacts | undefined,
  ended: CredentialSessionEnd,
  now: number,
  meta: RequestMeta,
): { entry: AuditEntry; meta: RequestMeta } {
  return {
    entry: {
      type: 'session.revoked',
      at: now,
      actor: { userId: null, kind: 'system' },
      subjectUserId: session.userId,
      organizationId: facts?.organization?.id ?? null,
      sessionId: session.id,
      details: { revoked: session.id, endReason: ended },
    },
    meta: session.viaKind
      ? { ...meta, credential: { kind: session.viaKind, id: session.viaCredentialId ?? '' } }
      : meta,
  };
}

/**
 * The room a person must have for one more credential made for them: fewer than `cap` live
 * ones, counted by the store in the transaction that writes it.
 */
export interface CredentialRoom {
  userId: number;
  cap: number;
}
