import { describe, expect, it } from 'vitest';
import { tryAgainMessage } from './try-again.ts';

describe('tryAgainMessage', () => {
  it('rounds the wait up to whole minutes', () => {
    expect(tryAgainMessage(900)).toBe('Too many requests. Try again in 15 minutes.');
    expect(tryAgainMessage(841)).toBe('Too many requests. Try again in 15 minutes.');
    expect(tryAgainMessage(5)).toBe('Too many requests. Try again in 1 minute.');
  });

  it('says later when the server gave no wait', () => {
    expect(tryAgainMessage(null)).toBe('Too many requests. Try again later.');
  });
});
