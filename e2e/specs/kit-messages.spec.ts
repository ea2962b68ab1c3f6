import { expect, test } from '@onbehalf/testing';

// What a suite that cannot reach the test endpoints is told: what to fix, naming the server
// (found by reviews: the typed client turned every such message into "The server could not be
// reached.", and a wrong key read as one not sent).

test.describe('with a test mode key that is not the server’s', () => {
  test.use({ testModeKey: 'not-the-server-key' });

  test('the kit names the key as wrong, with where to set the right one', async ({ newOrg }) => {
    expect(
      process.env.ONBEHALF_TEST_MODE_KEY,
      'the suite runs its server with a key (global-setup.ts)',
    ).toBeTruthy();
    await expect(newOrg()).rejects.toThrow(
      /refused the test mode key the suite sent: it is not the server's ONBEHALF_TEST_MODE_KEY/,
    );
  });
});

test.describe('with the suite’s key left out', () => {
  test.use({ testModeKey: '' });

  test('the kit says the server asks for a key and where to set it', async ({ newOrg }) => {
    await expect(newOrg()).rejects.toThrow(
      /asks for its test mode key and was not sent it: set ONBEHALF_TEST_MODE_KEY/,
    );
  });
});

test.describe('with a baseURL nothing answers at', () => {
  test.use({ baseURL: 'http://127.0.0.1:9' });

  test('the kit says the server could not be reached, and which', async ({ newOrg }) => {
    await expect(newOrg()).rejects.toThrow(
      /http:\/\/127\.0\.0\.1:9 could not be reached \(.+\)\. Is it running, and is Playwright's baseURL its address\?/,
    );
  });
});
