import { randomBytes } from 'node:crypto';
import { type ApiClient, createApiClient } from '@onbehalf/api-client/client';
import type { Session } from '@onbehalf/contracts/auth';
import type { OperatorRole } from '@onbehalf/contracts/permissions';
import {
  type CreateTestOrganizationBody,
  TEST_CLOCK_HEADER,
  TEST_KEY_HEADER,
  type TestOperator,
  type TestOrganization,
  type TestPersona,
} from '@onbehalf/contracts/test-mode';
import {
  type APIRequestContext,
  type BrowserContext,
  test as base,
  expect,
  type Page,
} from '@playwright/test';
import { requestFetch } from './request-fetch.ts';
import { explainedTestFetch, untracedFetch } from './untraced-fetch.ts';

export type { TestOperator, TestOrganization, TestPersona };
export { expect };

/** Anyone a test signs in as: a persona of `org`, or an operator. */
export type Person = Pick<TestPersona, 'email' | 'password'>;

/** A session token a test holds (an impersonation's, one a login token opened), to send as is. */
export interface Bearer {
  token: string;
}

/** A message as its reader sees it, with the links picked out. */
export interface Mail {
  subject: string;
  text: string;
  links: string[];
}

export interface KitOptions {
  /** How `org` is made: `test.use({ organization: { integrations: true } })`. */
  organization: CreateTestOrganizationBody;
  /**
   * The server's test mode key, when it has one (`ONBEHALF_TEST_MODE_KEY`): sent to the test
   * endpoints only. The environment's `ONBEHALF_TEST_MODE_KEY` unless set here.
   */
  testModeKey: string | undefined;
}

export interface KitFixtures {
  /** A fresh organization for this test: an owner, a team admin and two members. */
  org: TestOrganization;
  /** Another fresh organization, for a test that spans two (what one sees of the other). */
  newOrg: (options?: CreateTestOrganizationBody) => Promise<TestOrganization>;
  /** Signs the page's browser context in through the API (no form): the cookie is set. */
  signIn: (page: Page, person: Person) => Promise<Session>;
  /** Team door: signs the actor in and starts acting as the target, as the portal does. */
  impersonate: (
    page: Page,
    who: { actor: Person; target: TestPersona; reason?: string },
  ) => Promise<Session>;
  /** Operator door: an operator (a fresh support operator unless given) acts as the target. */
  operatorImpersonate: (
    page: Page,
    who: { target: TestPersona; reason: string; ticket?: string; operator?: TestOperator },
  ) => Promise<Session>;
  /** A fresh operator of a role (support unless said), for backoffice tests. */
  operator: (role?: OperatorRole) => Promise<TestOperator>;
  /** A page in a browser context of its own (another person at another computer). */
  newPage: (person?: Person) => Promise<Page>;
  /**
   * A bearer API client on this test's clock: signed in as the person, sending a token the
   * test holds, or anonymous.
   */
  api: (who?: Person | Bearer) => Promise<ApiClient>;
  /**
   * A typed client on the page's own cookies: it is whoever the page is signed in as (the
   * person acted for, while an impersonation runs). `headers` go on every request.
   */
  pageApi: (page: Page, options?: { headers?: Record<string, string> }) => ApiClient;
  /** What an address received; `latest` waits (up to `timeoutMs`) for a message to arrive. */
  mailbox: {
    latest: (
      email: string,
      options?: { subject?: string | RegExp; text?: string | RegExp; timeoutMs?: number },
    ) => Promise<Mail>;
    all: (email: string) => Promise<Mail[]>;
  };
  /** This test's own server clock: moving it expires this test's links and sessions only. */
  clock: { advance: (ms: number) => Promise<void>; now: () => Promise<Date> };
}

interface Internal {
  /** The server this test talks to (Playwright's `baseURL`). */
  server: string;
  /** The name of this test's own server clock (`TEST_CLOCK_HEADER`), sent to the server only. */
  testClock: string;
  /** A typed client over a request context. */
  clientOn: (
    request: APIRequestContext,
    options?: { token?: string; headers?: Record<string, string> },
  ) => ApiClient;
  /** The client of the test endpoints, on this test's clock, with the test mode key if any. */
  testEndpoints: ApiClient;
}

/** The methods of a request context that send: each is given the clock for the server. */
const SENDING = ['fetch', 'get', 'post', 'put', 'patch', 'delete', 'head'] as const;

/**
 * A request context's calls to the server carry the test's clock, and its calls elsewhere do
 * not: a context's own requests are not routed as its pages' are (`page.request` after a
 * `clock.advance` ran on the shared clock, and its refusal signed the page out: found by a
 * review).
 */
function requestsOnTestClock(request: APIRequestContext, server: string, clock: string) {
  const origin = new URL(server).origin;
  for (const method of SENDING) {
    const send = request[method].bind(request) as (
      target: string | { url(): string },
      options?: { headers?: Record<string, string> },
    ) => ReturnType<APIRequestContext['fetch']>;
    const onClock: typeof send = (target, options = {}) => {
      const url = new URL(typeof target === 'string' ? target : target.url(), server);
      if (url.origin !== origin) return send(target, options);
      return send(target, {
        ...options,
        headers: { ...options.headers, [TEST_CLOCK_HEADER]: clock },
      });
    };
    Object.assign(request, { [method]: onClock });
  }
}

/**
 * The context's requests to the server carry the test's clock, and no others: routed by origin,
 * since a browser context's extra headers go to every origin a page contacts; its own request
 * context (`page.request`) is told the clock per call.
 */
async function onTestClock(context: BrowserContext, server: string, clock: string) {
  const origin = new URL(server).origin;
  requestsOnTestClock(context.request, server, clock);
  await context.route(
    (url) => url.origin === origin,
    async (route) =>
      route.continue({
        headers: { ...(await route.request().allHeaders()), [TEST_CLOCK_HEADER]: clock },
      }),
  );
}

/** The suite's `httpCredentials`, where they are for this server (any origin, or its own). */
function credentialsFor(
  server: string,
  given: Credentials | readonly Credentials[] | undefined,
): Credentials | undefined {
  const ours = (credentials: Credentials) =>
    credentials.origin === undefined ||
    new URL(credentials.origin).origin === new URL(server).origin;
  return (Array.isArray(given) ? given : given ? [given as Credentials] : []).find(ours);
}
type Credentials = { username: string; password: string; origin?: string | undefined };

export const test = base.extend<KitFixtures & KitOptions & Internal>({
  organization: [{}, { option: true }],
  testModeKey: [process.env.ONBEHALF_TEST_MODE_KEY, { option: true }],

  // Every request a test sends to the server, from its pages and its API clients, runs on its
  // own clock, named for the test and for this run of it alone: no one else can guess it and
  // send requests on the time it was moved to.
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's needs from it.
  testClock: async ({}, use, testInfo) => {
    await use(`${testInfo.testId}#${randomBytes(12).toString('base64url')}`);
  },

  // The page's requests to the server carry the clock; to any other origin (the app under
  // test, a CDN, an analytics pixel) nothing is added: a header there told third parties the
  // clock's name, and made the page's own cross-origin fetches need a preflight they failed
  // (found by a review).
  context: async ({ context, server, testClock }, use) => {
    await onTestClock(context, server, testClock);
    await use(context);
  },

  // Playwright's own request context, on the test's clock for the server as before.
  request: async ({ request, server, testClock }, use) => {
    requestsOnTestClock(request, server, testClock);
    await use(request);
  },

  server: async ({ baseURL }, use) => {
    if (!baseURL) {
      throw new Error('@onbehalf/testing needs `use.baseURL`: the server, in test mode.');
    }
    await use(baseURL);
  },

  clientOn: async ({ server, testClock }, use) => {
    await use((request, options = {}) => {
      // As the portal's own fetch: a browser sends its Origin with every POST, and the server
      // refuses a cookie-carrying POST without a body that does not say where it comes from.
      // A page's request context is not routed: it is told the clock here.
      const headers = new Headers({
        origin: new URL(server).origin,
        [TEST_CLOCK_HEADER]: testClock,
      });
      for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
      return createApiClient({
        baseUrl: server,
        fetch: requestFetch(request),
        headers: Object.fromEntries(headers),
        ...(options.token ? { token: options.token } : {}),
      });
    });
  },

  // Outside Playwright's request contexts, which traces and reports record headers and all:
  // the key must never land in an artifact a CI keeps.
  testEndpoints: async (
    { server, extraHTTPHeaders, ignoreHTTPSErrors, httpCredentials, testClock, testModeKey },
    use,
  ) => {
    await use(
      createApiClient({
        baseUrl: server,
        fetch: explainedTestFetch(
          server,
          untracedFetch({
            ignoreHTTPSErrors,
            httpCredentials: credentialsFor(server, httpCredentials),
          }),
          { keySent: Boolean(testModeKey) },
        ),
        headers: {
          ...extraHTTPHeaders,
          [TEST_CLOCK_HEADER]: testClock,
          origin: new URL(server).origin,
          ...(testModeKey ? { [TEST_KEY_HEADER]: testModeKey } : {}),
        },
      }),
    );
  },

  org: async ({ testEndpoints, organization }, use) => {
    await use(await testEndpoints.test.createOrganization(organization));
  },

  newOrg: async ({ testEndpoints }, use) => {
    await use((options = {}) => testEndpoints.test.createOrganization(options));
  },

  operator: async ({ testEndpoints }, use) => {
    await use((role = 'support') => testEndpoints.test.createOperator({ role }));
  },

  signIn: async ({ clientOn }, use) => {
    await use(async (page, person) => {
      const client = clientOn(page.request);
      const { session } = await client.auth.signIn({
        email: person.email,
        password: person.password,
      });
      return session;
    });
  },

  impersonate: async ({ clientOn, signIn }, use) => {
    await use(async (page, { actor, target, reason }) => {
      await signIn(page, actor);
      const client = clientOn(page.request);
      const { token } = await client.impersonation.teamHandoff(target.profileId, reason);
      return (await client.impersonation.exchange(token)).session;
    });
  },

  operatorImpersonate: async ({ clientOn, signIn, operator }, use) => {
    await use(async (page, { target, reason, ticket, operator: given }) => {
      await signIn(page, given ?? (await operator('support')));
      const client = clientOn(page.request);
      const { token } = await client.impersonation.operatorHandoff({
        userId: target.userId,
        profileId: target.profileId,
        reason,
        ...(ticket ? { ticket } : {}),
      });
      return (await client.impersonation.exchange(token)).session;
    });
  },

  newPage: async ({ browser, server, extraHTTPHeaders, testClock, signIn }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (person) => {
      const context = await browser.newContext({ baseURL: server, extraHTTPHeaders });
      contexts.push(context);
      await onTestClock(context, server, testClock);
      const page = await context.newPage();
      if (person) await signIn(page, person);
      return page;
    });
    await Promise.all(contexts.map((context) => context.close()));
  },

  api: async ({ playwright, server, extraHTTPHeaders, testClock }, use) => {
    const contexts: APIRequestContext[] = [];
    await use(async (who) => {
      // A context of its own: no cookies, only the bearer token; it calls the server alone.
      const request = await playwright.request.newContext({
        baseURL: server,
        extraHTTPHeaders: { ...extraHTTPHeaders, [TEST_CLOCK_HEADER]: testClock },
      });
      contexts.push(request);
      let token = who && 'token' in who ? who.token : undefined;
      const client = createApiClient({
        baseUrl: server,
        fetch: requestFetch(request),
        token: () => token,
      });
      if (who && 'email' in who) {
        token = (await client.auth.signIn({ email: who.email, password: who.password })).token;
      }
      return client;
    });
    await Promise.all(contexts.map((context) => context.dispose()));
  },

  pageApi: async ({ clientOn }, use) => {
    await use((page, options = {}) => clientOn(page.request, options));
  },

  mailbox: async ({ testEndpoints }, use) => {
    const all = async (email: string): Promise<Mail[]> =>
      (await testEndpoints.test.mailbox(email, 50)).messages.map(({ subject, text, links }) => ({
        subject,
        text,
        links,
      }));
    await use({
      all,
      latest: async (email, options = {}) => {
        const wanted = (mail: Mail) =>
          (options.subject === undefined ||
            (typeof options.subject === 'string'
              ? mail.subject === options.subject
              : options.subject.test(mail.subject))) &&
          (options.text === undefined ||
            (typeof options.text === 'string'
              ? mail.text.includes(options.text)
              : options.text.test(mail.text)));
        let found: Mail | undefined;
        await expect
          .poll(
            async () => {
              found = (await all(email)).find(wanted);
              return found !== undefined;
            },
            {
              message: `mail to ${email}${options.subject ? ` (${options.subject})` : ''}`,
              timeout: options.timeoutMs ?? 10_000,
              intervals: [100, 200, 500],
            },
          )
          .toBe(true);
        return found as Mail;
      },
    });
  },

  clock: async ({ testEndpoints }, use) => {
    await use({
      advance: async (ms) => {
        await testEndpoints.test.advanceClock(ms);
      },
      now: async () => new Date((await testEndpoints.test.clock()).now),
    });
  },
});
