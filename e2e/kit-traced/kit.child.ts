import { expect, test } from '@onbehalf/testing';

test('uses every test endpoint the kit calls: an organization, an operator, the mail and the clock', async ({
  org,
  operator,
  mailbox,
  clock,
  api,
}) => {
  await operator('support');
  // A request of the suite's own, which the trace records.
  await (await api(org.owner)).auth.session();
  await clock.advance(1_000);
  expect(await mailbox.all(org.owner.email)).toEqual([]);
});
