import type { ErrorCode } from '@onbehalf/contracts/errors';
import type {
  CredentialEndReason,
  CredentialPurpose,
  LinkDelivery,
  LoginTokenUse,
} from '@onbehalf/contracts/login-links';
import {
  type CustomerPermission,
  type OperatorRole,
  operatorRolePermissions,
  type Permission,
} from '@onbehalf/contracts/permissions';

/**
 * Credentials one party makes for another: one-click links and login tokens (SPEC §4b).
 * Whoever holds the secret can be that person, so who will use it decides what it is:
 *
 * - **delivered**: emailed to the person's own address; the maker never sees the secret, and
 *   the session is the person's own;
 * - **support**: handed to its maker to see the customer's view, which makes it an
 *   impersonation by the maker under every rule of the operator door (impersonation/policy.ts);
 * - **integration**: handed to a system (punch-out), allowed only where the organization allows
 *   integrations and never for anyone with team rights or for staff.
 */

/**
 * How many live credentials others may hold for one person at once. The person sees every live
 * one under Account and can revoke it (SPEC §4b); past this, one more is refused until some are
 * used, expire or are revoked, so a maker cannot bury a credential under newer ones where the
 * person would never see it.
 */
export const LIVE_CREDENTIALS_PER_PERSON = 100;

/** Who asks for a credential: a person signed in, or an integration's API key (no one). */
export type Requester = 'person' | 'api_key';

/** What a one-click link is, from how it travels and who asked. An API key is no person. */
export function linkPurpose(delivery: LinkDelivery, requester: Requester): CredentialPurpose {
  if (delivery === 'email') return 'delivered';
  return requester === 'api_key' ? 'integration' : 'support';
}

/** What a login token for a person is, from its stated use; an API key cannot hand one to a person. */
export function tokenPurpose(
  use: LoginTokenUse,
  requester: Requester,
): CredentialPurpose | 'api_key_not_a_person' {
  if (use === 'email') return 'delivered';
  if (use === 'integration') return 'integration';
  return requester === 'api_key' ? 'api_key_not_a_person' : 'support';
}

/**
 * Whether a credential's preview may name the person it opens and who made it. A delivered link
 * is read by its own person, and an integration's by the system it was handed to; a support
 * handover is its maker's alone, so anyone else holding its URL (a forwarded chat, a screen
 * share) learns neither whom support is looking at nor who is looking.
 */
export function previewNamesParties(
  purpose: CredentialPurpose | null,
  makerUserId: number | null,
  viewerUserId: number | null,
): boolean {
  if (purpose !== 'support') return true;
  return viewerUserId !== null && viewerUserId === makerUserId;
}

/** A support handover is an impersonation: it needs a reason, as the operator door does. */
export function hasReason(reason: string | null | undefined): boolean {
  return (reason?.trim().length ?? 0) >= 3;
}

export interface IntegrationTarget {
  kind: 'customer' | 'operator';
  status: 'active' | 'disabled';
  /** The profile the credential opens. */
  profile: {
    role: 'owner' | 'admin' | 'member';
    permissions: readonly CustomerPermission[];
  } | null;
  /** The profile's organization allows integrations. */
  integrationsEnabled: boolean;
}

/**
 * Why no sign-in link may be made for this account, or null: a link into a backoffice account
 * would bypass its password, so customers only, and only while active.
 */
export function linkSubjectBlock(
  user: Pick<IntegrationTarget, 'kind' | 'status'>,
): 'not_a_customer' | 'account_disabled' | null {
  if (user.kind !== 'customer') return 'not_a_customer';
  if (user.status !== 'active') return 'account_disabled';
  return null;
}

/** Why a credential may not be handed to a system for this person, or null. */
export function integrationBlock(
  t: IntegrationTarget,
): 'integration_not_allowed' | 'integrations_disabled' | 'account_disabled' | null {
  if (t.kind !== 'customer' || !t.profile) return 'integration_not_allowed';
  if (t.status !== 'active') return 'account_disabled';
  if (!t.integrationsEnabled) return 'integrations_disabled';
  // Never an owner or an admin (SPEC §4b), whatever permissions their profile is left with.
  if (t.profile.role !== 'member') return 'integration_not_allowed';
  if (t.profile.permissions.some((p) => p.startsWith('team:'))) return 'integration_not_allowed';
  return null;
}

/**
 * Why the caller may not use an integration's credential made for `subjectUserId` (SPEC §4b:
 * handed over to a system), or null. Its person may, in their own browser, where a punch-out
 * opens; so may a browser nobody is signed in to, as the system itself is. Staff signed in to
 * the backoffice, or acting as someone, would be acting as the customer outside the operator
 * door's switch, reason and banner: their way is a support credential, an impersonation. Anyone
 * else signed in (a coworker, the team admin who set up the punch-out) would become the person
 * outside the team door's rules: their way is that door (docs/decisions/039).
 */
export function integrationRefusal(
  current: {
    user: { id: number; kind: UserKindOf } | null;
    impersonation: { actorUser: { kind: UserKindOf } } | null;
  } | null,
  subjectUserId: number | null,
): 'integration_not_for_staff' | 'integration_not_for_you' | null {
  if (current?.user?.kind === 'operator' || current?.impersonation?.actorUser.kind === 'operator') {
    return 'integration_not_for_staff';
  }
  if (current?.user && current.user.id !== subjectUserId) return 'integration_not_for_you';
  return null;
}

type UserKindOf = IntegrationTarget['kind'];

/** The permissions that let a maker make a credential of each kind for someone else. */
export const rightsToMake = {
  one_click: ['one-click-links:create', 'users:provision'],
  login_token: ['login-tokens:manage'],
} as const satisfies Record<string, readonly Permission[]>;

/** The permission an operator's API keys live by, and that lets them make one. */
const rightToMakeApiKeys: readonly Permission[] = ['api-keys:manage'];

/** Who made a credential, with what the check below needs to know about them today. */
export type Maker =
  | { kind: 'self' }
  | { kind: 'system' }
  | { kind: 'operator'; status: 'active' | 'disabled'; operatorRole: OperatorRole | null }
  | {
      kind: 'api_key';
      revoked: boolean;
      expiresAt: number;
      scopes: readonly string[];
      organizationIds: readonly number[];
      /** The operator who made the key; the key dies with their status or right. */
      keyMaker: { status: 'active' | 'disabled'; operatorRole: OperatorRole | null } | null;
    };

function operatorHolds(
  operator: { status: 'active' | 'disabled'; operatorRole: OperatorRole | null },
  anyOf: readonly Permission[],
): boolean {
  if (operator.status !== 'active' || !operator.operatorRole) return false;
  const held: readonly Permission[] = operatorRolePermissions[operator.operatorRole];
  return anyOf.some((p) => held.includes(p));
}

/**
 * The operator roles whose API keys live (`apiKeyAlive`'s entitlement, as a list): for a store
 * that must ask the same question in a statement of its own.
 */
export const apiKeyMakerRoles: readonly OperatorRole[] = (
  Object.keys(operatorRolePermissions) as OperatorRole[]
).filter((role) => operatorHolds({ status: 'active', operatorRole: role }, rightToMakeApiKeys));

/** What a person can make for someone else, each kind tied to its own right (SPEC §4b). */
export type MadeKind = keyof typeof rightsToMake | 'api_key';

const rightsToMakeKind: Record<MadeKind, readonly Permission[]> = {
  ...rightsToMake,
  api_key: rightToMakeApiKeys,
};

/** A person's standing as a maker: their status and operator role. */
export interface MakerStanding {
  status: 'active' | 'disabled';
  operatorRole: OperatorRole | null;
}

/**
 * The kinds of credential a person made that end when their standing changes from `before` to
 * `after` (SPEC §4b: a credential dies when its maker is disabled or loses the right to make
 * it). A right lost ends what was made with that right and nothing else: a superadmin made
 * admin loses the API keys and what they made, and keeps the handover links an admin may make.
 */
export function madeKindsEnding(before: MakerStanding, after: MakerStanding): MadeKind[] {
  return (Object.keys(rightsToMakeKind) as MadeKind[]).filter(
    (kind) =>
      operatorHolds(before, rightsToMakeKind[kind]) &&
      !operatorHolds(after, rightsToMakeKind[kind]),
  );
}

/** Whether an API key works at all: not revoked, not expired, its maker active and entitled. */
export function apiKeyAlive(key: Extract<Maker, { kind: 'api_key' }>, now: number): boolean {
  return (
    !key.revoked &&
    now < key.expiresAt &&
    key.keyMaker !== null &&
    operatorHolds(key.keyMaker, rightToMakeApiKeys)
  );
}

/**
 * Whether the maker still holds the right to have made this credential (SPEC §4b: a credential
 * dies when its maker loses the right, or is disabled). `organizationIds` are the organizations
 * the credential opens (none for a guest); an API key must still cover one of them.
 */
export function makerHoldsRight(
  maker: Maker,
  anyOf: readonly Permission[],
  organizationIds: readonly number[],
  now: number,
): boolean {
  switch (maker.kind) {
    case 'self':
    case 'system':
      return true;
    case 'operator':
      return operatorHolds(maker, anyOf);
    case 'api_key':
      return (
        apiKeyAlive(maker, now) &&
        anyOf.some((p) => maker.scopes.includes(p)) &&
        (organizationIds.length === 0 ||
          organizationIds.some((id) => maker.organizationIds.includes(id)))
      );
  }
}

/** The answer to a credential refused for a rule of this file. */
export const credentialRefusalError = {
  integration_not_allowed: 'integration_not_allowed',
  integrations_disabled: 'integrations_disabled',
  account_disabled: 'account_disabled',
  api_key_not_a_person: 'api_key_not_a_person',
} as const satisfies Record<string, ErrorCode>;

/** Why every credential made for a user ends at once, by the event that ends them. */
export const credentialEndsWhen = {
  passwordChanged: 'password_changed',
  userDisabled: 'user_disabled',
  makerLostRight: 'maker_lost_right',
  revokedByUser: 'revoked_by_user',
  deleted: 'deleted',
} as const satisfies Record<string, CredentialEndReason>;
