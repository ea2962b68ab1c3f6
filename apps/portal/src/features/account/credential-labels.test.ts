import { describe, expect, it } from 'vitest';
import { usesLabel } from './credential-labels.ts';

describe('usesLabel', () => {
  it('says a credential is unused, and whether it works once', () => {
    expect(usesLabel(0, true)).toBe('Not used yet (works once)');
    expect(usesLabel(0, false)).toBe('Not used yet');
  });

  it('counts the uses of a reusable one', () => {
    expect(usesLabel(1, false)).toBe('Used once');
    expect(usesLabel(3, false)).toBe('Used 3 times');
  });
});
