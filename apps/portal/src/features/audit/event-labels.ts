import type { AuditEvent, AuditEventType } from '@onbehalf/contracts/audit';
import { type EndReason, endReasonLabels } from '@onbehalf/contracts/impersonation';

/** Every event type as a person would say it. A `Record`, so a new type fails to compile here. */
const labels: Record<AuditEventType, string> = {
  'auth.sign_in.succeeded': 'Sign-in succeeded',
  'auth.sign_in.failed': 'Sign-in failed',
  'auth.signed_out': 'Signed out',
  'session.revoked': 'Session revoked',
  'profile.switched': 'Profile switched',
  'team.member_updated': 'Team member updated',
  'order.placed': 'Order placed',
  'impersonation.token_issued': 'Impersonation token issued',
  'impersonation.started': 'Impersonation started',
  'impersonation.ended': 'Impersonation ended',
  'impersonation.refused': 'Impersonation refused',
  'impersonation.exchange_failed': 'Impersonation hand-off refused',
  'session.action_refused': 'Refused while acting for someone',
  'account.password_changed': 'Password changed',
  'account.password_change_failed': 'Password change refused: wrong current password',
  'one_click.issued': 'One-click link issued',
  'one_click.redeemed': 'One-click link redeemed',
  'one_click.failed': 'One-click link failed',
  'one_click.requested': 'One-click link requested',
  'one_click.emailed': 'One-click link emailed',
  'mail.failed': 'Email failed',
  'user.provisioned': 'User provisioned',
  'login_token.created': 'Login token created',
  'login_token.used': 'Login token used',
  'login_token.failed': 'Login token failed',
  'login_token.deleted': 'Login token deleted',
  'login_token.emailed': 'Login token emailed',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'account.impersonation_preference_changed': 'Impersonation preference changed',
  'settings.changed': 'Settings changed',
  'credential.revoked': 'Sign-in link or token revoked',
  'credential.refused': 'Sign-in credential refused',
  'user.updated': 'User updated',
  'audit.read': 'Audit trail read',
  'audit.exported': 'Audit trail exported',
  'outbox.read': 'Outbox read',
  'audit.repeated': 'Repeated events counted',
  'audit.pruned': 'Audit trail and access history pruned',
  'test.organization_created': 'Test organization created',
  'test.operator_created': 'Test operator created',
  'test.mailbox_read': 'Test mailbox read',
  'test.clock_advanced': 'Test clock moved forward',
  'test.clock_read': 'Test clock read',
  'test.refused': 'Test API refused (no key, or another)',
};

/**
 * "impersonation.started" → "Impersonation started". A type the portal does not know yet (the
 * server grew one first) still reads as words rather than as a code.
 */
export function auditEventLabel(type: string): string {
  if (Object.hasOwn(labels, type)) return labels[type as AuditEventType];
  const words = type.replace(/[._]+/g, ' ').trim().toLowerCase();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Unknown event';
}

const actorKindLabels: Record<string, string> = {
  customer: 'customer',
  operator: 'operator',
  anonymous: 'anonymous',
  system: 'system',
};

/**
 * "Sasha Patel" and "operator", or "operator · support" when the trail gives the role (a
 * team's view names staff by name and role, without their email); an event with no person
 * behind it names its kind.
 */
export function auditActorLabel(event: Pick<AuditEvent, 'actor' | 'actorKind'>): {
  name: string;
  kind: string | null;
} {
  const kind = event.actorKind ? (actorKindLabels[event.actorKind] ?? event.actorKind) : null;
  if (event.actor) {
    const role = event.actor.operatorRole;
    return { name: event.actor.name, kind: kind && role ? `${kind} · ${role}` : kind };
  }
  if (event.actorKind === 'system') return { name: 'System', kind: null };
  if (event.actorKind === 'anonymous') return { name: 'Anonymous', kind: null };
  return { name: 'Unknown', kind };
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : null;

const isEndReason = (value: unknown): value is EndReason =>
  typeof value === 'string' && Object.hasOwn(endReasonLabels, value);

/**
 * One line about what an event's details say, for the timeline: the order's number, why an
 * impersonation ended, which door it came through. Empty when there is nothing to add.
 */
export function summarizeAuditDetails(event: Pick<AuditEvent, 'type' | 'details'>): string {
  const details = event.details ?? {};
  const parts: string[] = [];
  switch (event.type) {
    case 'order.placed': {
      const number = text(details.number);
      const sku = text(details.sku);
      const quantity = text(details.quantity);
      if (number) parts.push(`Order ${number}`);
      if (sku) parts.push(quantity ? `${quantity} × ${sku}` : sku);
      break;
    }
    case 'impersonation.token_issued':
    case 'impersonation.started': {
      if (details.door === 'operator') parts.push('Support');
      if (details.door === 'team') parts.push('Team admin');
      // A support handover: the link or token its maker made for themselves started it.
      const credential = details.credential as { kind?: unknown } | undefined;
      if (credential?.kind === 'one_click') parts.push('With a sign-in link they made');
      if (credential?.kind === 'login_token') parts.push('With a login token they made');
      const ticket = text(details.ticket);
      if (ticket) parts.push(`Ticket ${ticket}`);
      break;
    }
    case 'impersonation.ended': {
      if (isEndReason(details.endReason)) parts.push(endReasonLabels[details.endReason]);
      const seconds = details.durationSeconds;
      if (typeof seconds === 'number') {
        parts.push(seconds < 60 ? `after ${seconds} s` : `after ${Math.round(seconds / 60)} min`);
      }
      break;
    }
    case 'settings.changed': {
      const scope = text(details.scope);
      if (scope) parts.push(scope === 'global' ? 'Global settings' : 'Team settings');
      break;
    }
    default: {
      // Anything else: its first few plain values, "key: value".
      for (const [key, value] of Object.entries(details)) {
        const shown = typeof value === 'boolean' ? String(value) : text(value);
        if (shown !== null) parts.push(`${key}: ${shown}`);
        if (parts.length === 3) break;
      }
    }
  }
  return parts.join(' · ');
}
