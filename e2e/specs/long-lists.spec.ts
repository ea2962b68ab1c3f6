import { expect, test } from '@onbehalf/testing';

// An organization too large for one page: the four personas and "Member 001" to "Member 120".
test.use({ organization: { extraMembers: 120 } });

test('the team page of a large organization shows a first page, loads the rest on demand, and a search finds one member and survives a reload', async ({
  page,
  org,
  signIn,
}) => {
  await signIn(page, org.owner);
  await page.goto('/team');

  const members = page.getByRole('table', { name: 'Team members' });
  // Each member's row is headed by their name; the header row has column headers only.
  const rows = members.getByRole('row').filter({ has: page.getByRole('rowheader') });
  const summary = page.getByRole('status').filter({ hasText: /^Showing / });
  const loadMore = page.getByRole('button', { name: 'Load more' });

  await expect(rows).toHaveCount(50);
  await expect(summary).toHaveText('Showing the first 50 members.');
  await expect(rows.filter({ hasText: 'Member 042' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'Member 120' })).toHaveCount(0);

  await loadMore.click();
  await expect(rows).toHaveCount(100);
  await expect(summary).toHaveText('Showing the first 100 members.');

  await loadMore.click();
  await expect(summary).toHaveText('Showing all 124 members.');
  await expect(rows).toHaveCount(124);
  await expect(rows.filter({ hasText: 'Member 120' })).toHaveCount(1);
  await expect(rows.filter({ hasText: org.admin.email })).toHaveCount(1);
  await expect(loadMore).toHaveCount(0);

  // Typing searches by itself once it pauses; the search goes into the address.
  const search = page.getByRole('searchbox', { name: 'Search team members' });
  await search.fill('Member 042');
  await expect(page).toHaveURL((url) => url.searchParams.get('q') === 'Member 042');
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('Member 042');
  await expect(summary).toHaveText('Showing the only member matching “Member 042”.');
  await expect(
    members.getByRole('button', { name: 'Impersonate account: Member 042' }),
  ).toBeVisible();

  await page.reload();
  await expect(search).toHaveValue('Member 042');
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('Member 042');

  await search.fill('Nobody by this name');
  await expect(
    page.getByRole('status').filter({ hasText: 'No members matching “Nobody by this name”.' }),
  ).toBeVisible();
  await expect(members).toHaveCount(0);

  // A refined search replaced the last one in the history: Back returns to the whole team.
  await page.goBack();
  await expect(page).toHaveURL((url) => !url.searchParams.has('q'));
  await expect(search).toHaveValue('');
  await expect(rows).toHaveCount(50);
});

test('a team admin of a large organization pages through the coworkers on the profile chooser and finds one to sign in as by name', async ({
  page,
  org,
  signIn,
}) => {
  await signIn(page, org.admin);
  await page.goto('/select-profile');

  const coworkers = page.getByRole('region', { name: 'Sign in on behalf of a team member' });
  const signInAs = coworkers.getByRole('button', { name: /^Sign in as / });
  const summary = coworkers.getByRole('status').filter({ hasText: /^Showing / });
  const loadMore = coworkers.getByRole('button', { name: 'Load more' });

  // The admin's own profile is offered above, once, and never as a coworker.
  const own = new RegExp(`^${org.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  await expect(page.getByRole('button', { name: own })).toHaveCount(1);
  await expect(signInAs).toHaveCount(50);
  await expect(summary).toHaveText('Showing the first 50 team members.');
  await expect(coworkers.getByRole('button', { name: `Sign in as ${org.admin.name}` })).toHaveCount(
    0,
  );

  await loadMore.click();
  await expect(signInAs).toHaveCount(100);
  await loadMore.click();
  // The owner, two members and the 120 extra members.
  await expect(summary).toHaveText('Showing all 123 team members.');
  await expect(signInAs).toHaveCount(123);
  await expect(loadMore).toHaveCount(0);

  await coworkers.getByRole('searchbox', { name: 'Search team members' }).fill('Member 042');
  await expect(page).toHaveURL((url) => url.searchParams.get('q') === 'Member 042');
  await expect(signInAs).toHaveCount(1);
  await expect(summary).toHaveText('Showing the only team member matching “Member 042”.');

  await coworkers.getByRole('button', { name: 'Sign in as Member 042' }).click();
  await expect(page.getByRole('dialog', { name: 'Sign in as Member 042' })).toBeVisible();
});

test("my sessions are searched by device, and the search stays in the address beside the page's other lists", async ({
  browser,
  page,
  org,
  signIn,
}) => {
  // A second session of the owner's, from another device.
  const elsewhere = await browser.newPage({ userAgent: 'Test bench browser/1.0' });
  await signIn(elsewhere, org.owner);
  await elsewhere.close();
  await signIn(page, org.owner);
  await page.goto('/account');
  const sessions = page.getByRole('table', { name: 'Your sessions' });
  const rows = sessions.getByRole('row').filter({ has: page.getByRole('cell') });
  await expect(rows).toHaveCount(2);

  const search = page.getByRole('searchbox', { name: 'Search sessions' });
  await search.fill('test bench');
  await expect(page).toHaveURL((url) => url.searchParams.get('sessions') === 'test bench');
  await expect(rows).toHaveCount(1);
  await expect(rows).not.toContainText('This device');
  await page.reload();
  await expect(search).toHaveValue('test bench');
  await expect(rows).toHaveCount(1);

  await search.fill('No such device');
  await expect(
    page.getByRole('status').filter({ hasText: 'No sessions matching “No such device”.' }),
  ).toBeVisible();
  await expect(sessions).toHaveCount(0);
});
