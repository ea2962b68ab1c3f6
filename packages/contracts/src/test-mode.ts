import { z } from 'zod';
import { displayName, isoDateTime, pageLimit } from './common.ts';
import { operatorRole } from './permissions.ts';

/**
 * Test mode (`ONBEHALF_TEST_MODE=1`, never in production): endpoints under `/api/test/*` that
 * make what a test needs and move what it waits for (SPEC §12). Outside test mode they are 404.
 */

/** A person a test signs in as. */
export const testPersona = z.object({
  userId: z.number().int(),
  profileId: z.number().int(),
  email: z.string(),
  password: z.string(),
  name: z.string(),
});
export type TestPersona = z.infer<typeof testPersona>;

export const createTestOrganizationBody = z.object({
  /** A name to recognise it by; a unique one is made up when left out. */
  name: displayName(100).optional(),
  /** May team admins sign in as members (the team door)? On unless said otherwise. */
  teamDoor: z.boolean().default(true),
  /** May credentials be handed to integrations? Off unless said otherwise. */
  integrations: z.boolean().default(false),
  /**
   * More members besides the four personas, for lists that page and search: "Member 001"
   * to "Member NNN", each `extra-NNN-<tag>@example.test` with the personas' password.
   */
  extraMembers: z.number().int().min(0).max(1000).default(0),
});
export type CreateTestOrganizationBody = z.input<typeof createTestOrganizationBody>;

/** A fresh organization: an owner, a team admin and two members, each with a password. */
export const testOrganization = z.object({
  id: z.number().int(),
  name: z.string(),
  owner: testPersona,
  admin: testPersona,
  members: z.tuple([testPersona, testPersona]),
});
export type TestOrganization = z.infer<typeof testOrganization>;

export const createTestOperatorBody = z.object({ role: operatorRole.default('support') });
export type CreateTestOperatorBody = z.input<typeof createTestOperatorBody>;
export const testOperator = testPersona.omit({ profileId: true }).extend({ operatorRole });
export type TestOperator = z.infer<typeof testOperator>;

/**
 * Whether an address is under `.test`, the top-level domain reserved for testing (RFC 2606):
 * the personas test mode makes (`…@example.test`) and the demo's. Test mode holds no one else.
 * A domain under it, as the stores' `lower(email) LIKE '%.test'` reads it: `a@test` is not one.
 */
export const isTestAddress = (email: string) => /@[^@\s]+\.test$/i.test(email);

/**
 * The test mailbox reads only addresses under `.test`: never a real person's mail on a server
 * left in test mode with real accounts.
 */
export const testMailboxQuery = z.object({
  to: z.string().trim().min(3).max(254).refine(isTestAddress, {
    message: 'The test mailbox reads only addresses under the reserved .test domain.',
  }),
  limit: pageLimit(50).default(10),
});
/** The mail an address received, newest first: what its reader would see, links picked out. */
export const testMailbox = z.object({
  messages: z.array(
    z.object({
      subject: z.string(),
      text: z.string(),
      links: z.array(z.string()),
      at: isoDateTime,
    }),
  ),
});
export type TestMailbox = z.infer<typeof testMailbox>;

/**
 * The header that puts a request on a test's own clock: set it on everything a test sends and
 * `POST /api/test/clock` moves that test's time only, never a neighbour's.
 */
export const TEST_CLOCK_HEADER = 'x-onbehalf-test-clock';

/** The longest clock name a server takes (`400 validation_failed` beyond it). */
export const TEST_CLOCK_MAX_LENGTH = 200;

/**
 * The header that carries the server's test mode key (`ONBEHALF_TEST_MODE_KEY`) to
 * `/api/test/*`, when the server has one: a test server others can reach is then not theirs to
 * fill with people, read the mail of or sign in as.
 */
export const TEST_KEY_HEADER = 'x-onbehalf-test-key';

/** Moves a test's clock forward (never back): expiries happen without waiting. */
export const advanceClockBody = z.object({
  advanceMs: z
    .number()
    .int()
    .min(1)
    .max(400 * 24 * 60 * 60 * 1000),
});
export const testClock = z.object({ now: isoDateTime, offsetMs: z.number().int() });
export type TestClock = z.infer<typeof testClock>;
