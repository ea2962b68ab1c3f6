import type { AccessHistoryIntegration } from '@onbehalf/contracts/impersonation';
import type {
  CredentialHolder,
  CredentialKind,
  CredentialPurpose,
} from '@onbehalf/contracts/login-links';

export const credentialKindLabels: Record<CredentialKind, string> = {
  one_click: 'Sign-in link',
  login_token: 'Login token',
};

/** Who a credential made for me is for, as I read it on my Account page. */
export const credentialPurposeLabels: Record<CredentialPurpose, string> = {
  delivered: 'For you, sent by email',
  support: 'For its maker, to sign in as you (support)',
  integration: 'For an integration',
};

/** Whose hands the credentials made for me are in, to show those of one only. */
export const credentialHolderLabels: Record<CredentialHolder, string> = {
  others: 'Held by others (support, integrations)',
  me: 'Sent to you',
};

export const isCredentialHolder = (value: string): value is CredentialHolder =>
  Object.hasOwn(credentialHolderLabels, value);

export const integrationStateLabels: Record<AccessHistoryIntegration['state'], string> = {
  active: 'Active',
  expired: 'Expired',
  used: 'Used up',
  revoked: 'Revoked',
};

/** "Not used yet (works once)", "Used 3 times": how much of a credential is spent. */
export function usesLabel(uses: number, oneTimeUse: boolean): string {
  if (uses === 0) return oneTimeUse ? 'Not used yet (works once)' : 'Not used yet';
  const times = uses === 1 ? 'once' : `${uses} times`;
  return `Used ${times}`;
}
