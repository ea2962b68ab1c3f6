import type { Actor, Via } from '@onbehalf/contracts/auth';
import { describe, expect, it } from 'vitest';
import {
  actingForSomeone,
  notInIntegrationSession,
  notWhileImpersonating,
} from './restrictions.ts';

const actor: Actor = {
  user: {
    id: 7,
    email: 'ops@onbehalf.test',
    name: 'Omar',
    kind: 'operator',
    operatorRole: 'admin',
  },
  profileId: null,
  impersonationId: 'imp-1',
  door: 'operator',
  reason: 'Ticket 42',
  endsAt: '2026-01-01T10:00:00.000Z',
};

const via: Via = {
  kind: 'login_token',
  credentialId: '12',
  name: 'OCI punch-out',
  maker: { kind: 'operator', name: 'Omar', operatorRole: 'admin' },
};

describe('actingForSomeone', () => {
  it('offers a person their own controls in their own session', () => {
    expect(actingForSomeone({})).toBeNull();
  });

  it('holds them back while someone is signed in as the person', () => {
    expect(actingForSomeone({ actor })).toBe(notWhileImpersonating);
  });

  it('holds them back in a session an integration opened', () => {
    expect(actingForSomeone({ via })).toBe(notInIntegrationSession);
  });
});
