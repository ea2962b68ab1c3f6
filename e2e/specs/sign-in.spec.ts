import type { KitFixtures } from '@onbehalf/testing';
import type { Page } from '@playwright/test';
import { SESSION_COOKIE } from '../fixtures/impersonate.ts';
import { submitSignInForm } from '../fixtures/sign-in-form.ts';
import { expect, test } from '../fixtures/test.ts';

test('the sign-in form signs a single-profile user in and shows the dashboard', async ({
  page,
  org,
  sessionOf,
}) => {
  const member = org.members[0];
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

  await submitSignInForm(page, member.email, member.password);

  // One profile: straight to the dashboard, no "Choose a profile" step.
  await expect(page).toHaveURL((url) => url.pathname === '/');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(member.name);

  expect(await sessionOf(page), 'the form left a session cookie behind').toMatchObject({
    user: { email: member.email },
    activeProfile: { organization: { name: org.name } },
  });
});

test('a wrong password is refused with a message and the form stays on /sign-in', async ({
  page,
  org,
  sessionOf,
}) => {
  await page.goto('/sign-in');
  await submitSignInForm(page, org.members[0].email, 'not-the-password');

  await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  expect(await sessionOf(page)).toBeNull();
});

test('signing out ends the session on the server, not only in the browser', async ({
  page,
  context,
  org,
  signIn,
  sessionOf,
  api,
}) => {
  const member = org.members[0];
  await signIn(page, member);
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`No ${SESSION_COOKIE} cookie after signing in.`);
  // The cookie is the session's token: sent as a bearer token, it works, for now.
  const replay = await api({ token: cookie.value });
  expect((await replay.auth.session()).session.user?.email).toBe(member.email);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();

  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  await expect(page.getByText('You have signed out.')).toBeVisible();

  // The same browser context is no longer signed in…
  expect(await sessionOf(page)).toBeNull();
  // …and the token itself was revoked, so replaying it (say, a copied cookie) fails too.
  await expect(replay.auth.session()).rejects.toMatchObject({ status: 401 });

  await page.goto('/');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
});

test('a session that ends under a page asks for a sign-in, then goes back to that page and its search', async ({
  page,
  org,
  signIn,
  clock,
}) => {
  const member = org.members[0];
  await signIn(page, member);
  const search = await sessionEndsUnderASearch(page, clock);
  await expect(page.getByText('Your session has ended. Sign in again.')).toBeVisible();

  await submitSignInForm(page, member.email, member.password);
  // Back where it was, not the dashboard (a review found the page and its search lost).
  await expect(page).toHaveURL((url) => url.pathname === '/account');
  await expect(search).toHaveValue(/^(Chrome|Firefox)$/);
});

test('a team admin asked to sign in again on a page chooses a profile, then is back on that page', async ({
  page,
  org,
  signIn,
  clock,
}) => {
  await signIn(page, org.admin);
  const search = await sessionEndsUnderASearch(page, clock);

  await submitSignInForm(page, org.admin.email, org.admin.password);
  // A team admin has coworkers to sign in as, so the profile choice comes first…
  await expect(page.getByRole('heading', { level: 1, name: 'Choose a profile' })).toBeVisible();
  await page.getByRole('button', { name: new RegExp(`^${org.name}`) }).click();
  // …and then the page they were on, not the dashboard.
  await expect(page).toHaveURL((url) => url.pathname === '/account');
  await expect(search).toHaveValue(/^(Chrome|Firefox)$/);
});

/**
 * Opens the Account page's session search, then lets the session run out on the server's clock
 * while the page is open: its next read is refused, and the portal asks for a sign-in.
 */
async function sessionEndsUnderASearch(page: Page, clock: KitFixtures['clock']) {
  await page.goto('/account?sessions=Chrome');
  const search = page.getByRole('searchbox', { name: 'Search sessions' });
  await expect(search).toHaveValue('Chrome');
  await clock.advance(13 * 3_600_000);
  await search.fill('Firefox');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  return search;
}
