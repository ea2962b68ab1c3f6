import { auditEventTypes } from '@onbehalf/contracts/audit';
import { describe, expect, it } from 'vitest';
import { auditActorLabel, auditEventLabel, summarizeAuditDetails } from './event-labels.ts';

describe('auditEventLabel', () => {
  it('reads an event type as words', () => {
    expect(auditEventLabel('impersonation.started')).toBe('Impersonation started');
    expect(auditEventLabel('impersonation.token_issued')).toBe('Impersonation token issued');
    expect(auditEventLabel('impersonation.ended')).toBe('Impersonation ended');
    expect(auditEventLabel('order.placed')).toBe('Order placed');
    expect(auditEventLabel('auth.sign_in.failed')).toBe('Sign-in failed');
    expect(auditEventLabel('one_click.redeemed')).toBe('One-click link redeemed');
  });

  it('gives every known type its own label, none of them a code', () => {
    const labels = auditEventTypes.map(auditEventLabel);
    expect(new Set(labels).size).toBe(auditEventTypes.length);
    for (const label of labels) expect(label).not.toMatch(/[._]/);
  });

  it('still reads a type it does not know yet as words', () => {
    expect(auditEventLabel('delivery_address.changed')).toBe('Delivery address changed');
    expect(auditEventLabel('')).toBe('Unknown event');
  });
});

describe('auditActorLabel', () => {
  it('names the person and their kind', () => {
    const actor = { id: 1, name: 'Sasha Patel', email: 'support@onbehalf.test' };
    expect(auditActorLabel({ actor, actorKind: 'operator' })).toEqual({
      name: 'Sasha Patel',
      kind: 'operator',
    });
  });

  it('adds an operator’s role when the trail gives it', () => {
    const actor = { id: 2, name: 'Omar Haddad', email: null, operatorRole: 'admin' as const };
    expect(auditActorLabel({ actor, actorKind: 'operator' })).toEqual({
      name: 'Omar Haddad',
      kind: 'operator · admin',
    });
  });

  it('names the kind when no person is behind the event', () => {
    expect(auditActorLabel({ actor: null, actorKind: 'system' })).toEqual({
      name: 'System',
      kind: null,
    });
    expect(auditActorLabel({ actor: null, actorKind: null })).toEqual({
      name: 'Unknown',
      kind: null,
    });
  });
});

describe('summarizeAuditDetails', () => {
  it('says which order was placed', () => {
    const details = { orderId: 7, number: 'SO-ACME-004', sku: 'WIDGET-1', quantity: 2 };
    expect(summarizeAuditDetails({ type: 'order.placed', details })).toBe(
      'Order SO-ACME-004 · 2 × WIDGET-1',
    );
  });

  it('says when a support handover started an impersonation', () => {
    const details = { door: 'operator', credential: { kind: 'one_click', id: 'L1' } };
    expect(summarizeAuditDetails({ type: 'impersonation.started', details })).toBe(
      'Support · With a sign-in link they made',
    );
  });

  it('says why an impersonation ended and after how long', () => {
    const details = { endReason: 'left', startedAt: 1, durationSeconds: 125 };
    expect(summarizeAuditDetails({ type: 'impersonation.ended', details })).toBe(
      'The person acting left the impersonation. · after 2 min',
    );
  });

  it('names the door and the ticket of an impersonation', () => {
    const details = { door: 'operator', targetProfileId: 3, ticket: 'SUP-1' };
    expect(summarizeAuditDetails({ type: 'impersonation.token_issued', details })).toBe(
      'Support · Ticket SUP-1',
    );
  });

  it('shows the first plain values of anything else, and nothing when there are none', () => {
    expect(summarizeAuditDetails({ type: 'session.revoked', details: { revoked: 'abc' } })).toBe(
      'revoked: abc',
    );
    expect(summarizeAuditDetails({ type: 'auth.signed_out', details: null })).toBe('');
  });
});
