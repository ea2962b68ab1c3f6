import { describe, expect, it } from 'vitest';
import { CLOCK_LEEWAY_MS, madeAhead } from './clock-leeway.ts';
import { isSessionLive } from './sessions.ts';

const now = 1_000_000_000;
const session = (createdAt: number) => ({
  createdAt,
  expiresAt: createdAt + 3_600_000,
  lastSeenAt: createdAt,
  revokedAt: null,
});

describe('a row made on a clock ahead of the reader’s', () => {
  it('counts within the leeway servers’ clocks differ by, and not past it', () => {
    expect(madeAhead(now, now)).toBe(false);
    expect(madeAhead(now + CLOCK_LEEWAY_MS, now)).toBe(false);
    expect(madeAhead(now + CLOCK_LEEWAY_MS + 1, now)).toBe(true);
    expect(madeAhead(now - 3_600_000, now)).toBe(false);
  });

  it('makes a session not live, though it is neither revoked, expired nor idle', () => {
    expect(isSessionLive(session(now + 30_000), now)).toBe(true);
    expect(isSessionLive(session(now + 2 * CLOCK_LEEWAY_MS), now)).toBe(false);
  });
});
