import { isApiError } from '@onbehalf/api-client/api-error';
import type { Session } from '@onbehalf/contracts/auth';
import type { LinkPreview, LinkStatus } from '@onbehalf/contracts/login-links';

/** Why a link cannot sign anyone in; each has a page of its own. */
export type LinkFailure = Exclude<LinkStatus, 'valid'>;

export const linkFailureCopy: Record<LinkFailure, { title: string; detail: string }> = {
  expired: { title: 'This link has expired', detail: 'Ask for a new link.' },
  used: { title: 'This link has already been used', detail: 'Each link works once.' },
  revoked: {
    title: 'This link has been withdrawn',
    detail: "It was cancelled, or the account's password changed.",
  },
  invalid: { title: 'This link is not valid', detail: 'Check that you copied the whole link.' },
};

/**
 * A preview is looked at once: a dead link's preview counts as a failed attempt on the
 * server, so it must never be refetched behind the person's back (focus, reconnect, remount),
 * and it is forgotten as soon as the page is left.
 */
export const previewQueryDefaults = {
  staleTime: Number.POSITIVE_INFINITY,
  gcTime: 0,
  retry: false,
  refetchOnWindowFocus: false,
  refetchOnReconnect: false,
  refetchOnMount: false,
} as const;

const failureCodes = {
  link_expired: 'expired',
  link_used: 'used',
  link_revoked: 'revoked',
  link_invalid: 'invalid',
  // A malformed secret (cut short, too long) never reaches a link: it is simply not valid.
  validation_failed: 'invalid',
} as const satisfies Partial<Record<string, LinkFailure>>;

/** The failure page a redeem (or preview) error stands for, if it is about the link itself. */
export function linkFailureFromError(error: unknown): LinkFailure | null {
  if (!isApiError(error)) return null;
  return error.code in failureCodes ? failureCodes[error.code as keyof typeof failureCodes] : null;
}

/** The `token` of `/login?token=…`, or null when there is none worth asking about. */
export function parseLoginToken(token: string | null): string | null {
  const trimmed = token?.trim();
  return trimmed && trimmed.length <= 200 ? trimmed : null;
}

/** The server's masking ("b•••@acme.test"), to recognise the signed-in person in a preview. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}•••@${domain}`;
}

/**
 * Whether Continue would sign this browser out of someone else. The preview names the account
 * only by name and masked email (a forwarded link must not reveal more); a one-click link also
 * carries the user id, which settles it.
 */
export function signedInAsSomeoneElse(
  session: Session | null | undefined,
  account: LinkPreview['account'],
  linkUserId?: number,
): boolean {
  if (!session || !account) return false;
  if (!session.user) return account.kind !== 'anonymous';
  if (account.kind === 'anonymous') return true;
  if (linkUserId !== undefined) return session.user.id !== linkUserId;
  return session.user.name !== account.name || maskEmail(session.user.email) !== account.email;
}
