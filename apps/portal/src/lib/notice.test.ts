import { describe, expect, it } from 'vitest';
import { noticeState, readNotice } from './notice.ts';

describe('readNotice', () => {
  it('reads back what noticeState wrote', () => {
    expect(readNotice(noticeState('You have left the impersonation.'))).toBe(
      'You have left the impersonation.',
    );
  });

  it('ignores anything else in the history state', () => {
    expect(readNotice(null)).toBeNull();
    expect(readNotice(undefined)).toBeNull();
    expect(readNotice('text')).toBeNull();
    expect(readNotice({ notice: 42 })).toBeNull();
    expect(readNotice({ other: 'x' })).toBeNull();
  });
});
