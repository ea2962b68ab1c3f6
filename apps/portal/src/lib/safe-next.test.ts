import { describe, expect, it } from 'vitest';
import { afterProfileChoice, profileChoiceFor, safeNext } from './safe-next.ts';

describe('safeNext', () => {
  it('keeps a same-origin path with its query', () => {
    expect(safeNext('/team?tab=1')).toBe('/team?tab=1');
  });

  it('falls back to the dashboard when there is no target', () => {
    expect(safeNext(null)).toBe('/');
    expect(safeNext('')).toBe('/');
  });

  it('refuses targets that leave the origin', () => {
    expect(safeNext('https://evil.test/')).toBe('/');
    expect(safeNext('//evil.test/')).toBe('/');
    expect(safeNext('/\\evil.test/')).toBe('/');
    expect(safeNext('javascript:alert(1)')).toBe('/');
    expect(safeNext('/\tevil')).toBe('/');
  });

  it('never sends a signed-in person back to the sign-in page', () => {
    expect(safeNext('/sign-in')).toBe('/');
    expect(safeNext('/sign-in?next=/team')).toBe('/');
    expect(safeNext('/Sign-In/')).toBe('/');
    expect(safeNext('/sign-in#top')).toBe('/');
  });

  it('never to a sign-in link’s page, whose credential someone else may have put there', () => {
    for (const next of [
      '/login?token=attackers-token',
      '/LOGIN?token=x',
      '/login/?token=x',
      '/login#token=x',
      '/one-click/12/abcdef',
      '/One-Click/12/abcdef',
      '/one-click?u=1',
    ]) {
      expect([next, safeNext(next)]).toEqual([next, '/']);
    }
    // Pages that only begin alike are pages like any other.
    expect(safeNext('/login-tokens')).toBe('/login-tokens');
    expect(safeNext('/admin/login-tokens/7')).toBe('/admin/login-tokens/7');
  });
});

describe('the profile chooser carries the target on', () => {
  it('to where the person was going, through the chooser', () => {
    expect(profileChoiceFor('/team?q=Ada Lovelace')).toBe(
      '/select-profile?next=%2Fteam%3Fq%3DAda%20Lovelace',
    );
    const carried = new URL(profileChoiceFor('/team?q=Ada'), 'http://portal.test');
    expect(afterProfileChoice(carried.searchParams.get('next'))).toBe('/team?q=Ada');
  });

  it('home needs no target, and a refused one is not carried', () => {
    expect(profileChoiceFor('/')).toBe('/select-profile');
    expect(profileChoiceFor('//evil.test/')).toBe('/select-profile');
    expect(profileChoiceFor('/login?token=x')).toBe('/select-profile');
  });

  it('never back to the chooser itself once a profile is chosen', () => {
    for (const raw of ['/select-profile', '/Select-Profile/', '/select-profile?next=/team']) {
      expect([raw, afterProfileChoice(raw)]).toEqual([raw, '/']);
      expect([raw, profileChoiceFor(raw)]).toEqual([raw, '/select-profile']);
    }
    expect(afterProfileChoice(null)).toBe('/');
    expect(afterProfileChoice('/account')).toBe('/account');
  });
});
