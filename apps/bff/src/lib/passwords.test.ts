import { describe, expect, it, vi } from 'vitest';

// A worker's test files share its modules (vitest `isolate: false`), and these tests need the
// hashing queue and the decoy as a fresh server has them, whatever files ran before: their own.
vi.resetModules();
const { AppError } = await import('./errors.ts');
const { HASHING_AT_ONCE, hashesAtOnce, hashing, hashPassword, verifyPassword, WAITING_PER_HASH } =
  await import('./passwords.ts');
const { holdHashing } = await import('./test-hashing.ts');

describe('password hashes take turns', () => {
  it('runs one hash fewer at once than there are cores, leaving the event loop one, and one on a single core', () => {
    expect([1, 2, 4, 8].map(hashesAtOnce)).toEqual([1, 1, 3, 7]);
  });

  it('refuses one more than the bounded wait at once, as server_busy, and never as a mismatch; the decoy is made again after', async () => {
    const stored = await hashPassword('the right password');
    const capacity = HASHING_AT_ONCE * (1 + WAITING_PER_HASH);
    const filling = Array.from({ length: capacity }, () =>
      verifyPassword(stored, 'the right password'),
    );
    expect(hashing.counts).toEqual({
      holding: HASHING_AT_ONCE,
      waiting: HASHING_AT_ONCE * WAITING_PER_HASH,
    });

    const known = verifyPassword(stored, 'the right password');
    await expect(known).rejects.toBeInstanceOf(AppError);
    await expect(known).rejects.toMatchObject({ code: 'server_busy', retryAfterSeconds: 2 });
    // An unknown account's decoy, not yet made, is refused the same way: not a plain false.
    await expect(verifyPassword(null, 'anything')).rejects.toMatchObject({ code: 'server_busy' });

    expect(await Promise.all(filling)).toEqual(Array(capacity).fill(true));
    expect(hashing.counts).toEqual({ holding: 0, waiting: 0 });
    // Nothing was cached refused: both answer as they should once there is room.
    expect(await verifyPassword(stored, 'the right password')).toBe(true);
    expect(await verifyPassword(stored, 'a wrong password')).toBe(false);
    expect(await verifyPassword(null, 'anything')).toBe(false);
  }, 30_000);

  it('drops a check whose caller is gone while it waits, and never starts one for a caller already gone', async () => {
    const stored = await hashPassword('the right password');
    const held = holdHashing(HASHING_AT_ONCE);
    const leaving = new AbortController();
    try {
      const check = verifyPassword(stored, 'the right password', leaving.signal);
      await held.started;
      expect(hashing.counts).toEqual({ holding: HASHING_AT_ONCE, waiting: 1 });
      leaving.abort();
      await expect(check).rejects.toMatchObject({ code: 'server_busy' });
      expect(hashing.counts).toEqual({ holding: HASHING_AT_ONCE, waiting: 0 });
    } finally {
      leaving.abort();
      await held.release();
    }
    await expect(
      verifyPassword(stored, 'the right password', AbortSignal.abort()),
    ).rejects.toMatchObject({ code: 'server_busy' });
    expect(hashing.counts).toEqual({ holding: 0, waiting: 0 });
  });
});
