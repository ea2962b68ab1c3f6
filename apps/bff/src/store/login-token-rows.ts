import type { CredentialHolder, LoginTokenState } from '@onbehalf/contracts/login-links';
import {
  and,
  type Column,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  lte,
  ne,
  or,
  type SQL,
} from 'drizzle-orm';
import type { TokenScope } from '../features/login-tokens/login-tokens.store.ts';

/**
 * What both adapters of the login-token list (`LoginTokensStore.list`) mean by a token's state
 * and by what an API key may see, written once over either dialect's columns.
 */

type TokenColumns = {
  deletedAt: Column;
  usedUpAt: Column;
  expiresAt: Column;
  use: Column;
  createdByApiKeyId: Column;
};

export function tokenState(t: TokenColumns, state: LoginTokenState, now: number): SQL | undefined {
  switch (state) {
    case 'deleted':
      return isNotNull(t.deletedAt);
    case 'used':
      return and(isNull(t.deletedAt), isNotNull(t.usedUpAt));
    case 'expired':
      return and(isNull(t.deletedAt), isNull(t.usedUpAt), lte(t.expiresAt, now));
    case 'active':
      return and(isNull(t.deletedAt), isNull(t.usedUpAt), gt(t.expiresAt, now));
  }
}

/**
 * The tokens a scope sees (`TokenScope`): an API key, those of its organizations' people
 * (`organizationId`, the token's profile's) and the ones it made, never a support token (an
 * operator's impersonation, staff's); no scope, all.
 */
export function tokensInScope(
  t: TokenColumns,
  organizationId: Column,
  scope: TokenScope,
): SQL | undefined {
  if (scope === null) return undefined;
  return and(
    or(isNull(t.use), ne(t.use, 'support')),
    or(
      eq(t.createdByApiKeyId, scope.apiKeyId),
      scope.organizationIds.length > 0
        ? inArray(organizationId, [...scope.organizationIds])
        : undefined,
    ),
  );
}

/**
 * Tokens held by the person (`use` email) or by others (support's, and a system's, which is
 * also what a token made before `use` existed is), on either store.
 */
export function tokensHeldBy(use: Column, holder: CredentialHolder | undefined): SQL | undefined {
  if (holder === undefined) return undefined;
  return holder === 'me' ? eq(use, 'email') : or(isNull(use), ne(use, 'email'));
}
