import { createApiClient } from '@onbehalf/api-client/client';
import { personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

const { buyer, solo } = personas;

test('the sign-in form signs a single-profile user in and shows the dashboard', async ({
  page,
}) => {
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(buyer.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(buyer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // One profile: straight to the dashboard, no "Choose a profile" step.
  await expect(page).toHaveURL((url) => url.pathname === '/');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(buyer.name);

  const session = await page.request.get('/api/public/auth/session');
  expect(session.status(), 'the form left a session cookie behind').toBe(200);
});

test('a wrong password is refused with a message and the form stays on /sign-in', async ({
  page,
}) => {
  await page.goto('/sign-in');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(solo.email);
  await page.getByRole('textbox', { name: 'Password' }).fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  expect((await page.request.get('/api/public/auth/session')).status()).toBe(401);
});

test('signing out ends the session on the server, not only in the browser', async ({
  page,
  signInAs,
  baseURL,
}) => {
  const { token } = await signInAs(page, buyer);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();

  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  await expect(page.getByText('You have signed out.')).toBeVisible();

  // The same browser context is no longer signed in…
  expect((await page.request.get('/api/public/auth/session')).status()).toBe(401);
  // …and the token itself was revoked, so replaying it (say, a copied cookie) fails too.
  const replay = createApiClient({ baseUrl: baseURL, token });
  await expect(replay.auth.session()).rejects.toMatchObject({ status: 401 });

  await page.goto('/');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
});
