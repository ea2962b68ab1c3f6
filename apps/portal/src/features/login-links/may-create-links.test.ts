import type { Session } from '@onbehalf/contracts/auth';
import { describe, expect, it } from 'vitest';
import { mayCreateLinks } from './may-create-links.ts';

const actor = { user: { name: 'Rita Rossi' } } as NonNullable<Session['actor']>;

describe('mayCreateLinks', () => {
  it('offers links to an operator with the right, acting as themselves', () => {
    expect(mayCreateLinks({ permissions: ['one-click-links:create'] })).toBe(true);
  });

  it('does not while they are signed in as someone else, nor without the right', () => {
    expect(mayCreateLinks({ permissions: ['one-click-links:create'], actor })).toBe(false);
    expect(mayCreateLinks({ permissions: ['users:read'] })).toBe(false);
  });
});
