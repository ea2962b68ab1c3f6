import {
  type OperatorRole,
  type ProfileRole,
  profileRolePresets,
} from '@onbehalf/contracts/permissions';
import type {
  CreateTestOrganizationBody,
  TestClock,
  TestMailbox,
  TestOperator,
  TestOrganization,
  TestPersona,
} from '@onbehalf/contracts/test-mode';
import type { AppDeps } from '../../app-env.ts';
import { type TestClocks, toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { hashPassword } from '../../lib/passwords.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { unseal } from '../../lib/server-secret.ts';
import { randomId, randomToken } from '../../lib/tokens.ts';

const system = { userId: null, kind: 'system' } as const;

/** A short tag that makes every address and name of one test's data its own. */
function uniqueTag(): string {
  return randomId()
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 10);
}

/** One password per call: strong, returned to the test, stored only as its argon2id hash. */
async function freshPassword() {
  const password = randomToken().slice(0, 24);
  return { password, passwordHash: await hashPassword(password) };
}

const roster: [ProfileRole, string, string][] = [
  ['owner', 'owner', 'Olivia Owner'],
  ['admin', 'admin', 'Adam Admin'],
  ['member', 'member-1', 'Mia Member'],
  ['member', 'member-2', 'Max Member'],
];

/**
 * A fresh organization for one test: an owner, a team admin and two members, with the team
 * door and integrations as asked. Every test makes the data it changes, so no test depends on
 * another's order or leftovers.
 */
export async function createTestOrganization(
  deps: AppDeps,
  body: Required<Pick<CreateTestOrganizationBody, 'teamDoor' | 'integrations' | 'extraMembers'>> & {
    name?: string;
  },
  meta: RequestMeta,
): Promise<TestOrganization> {
  const tag = uniqueTag();
  const { password, passwordHash } = await freshPassword();
  const now = deps.clock.now();
  const name = body.name ?? `Test Org ${tag}`;
  const people = [
    ...roster.map(([role, slug, personName]) => ({
      role,
      email: `${slug}-${tag}@example.test`,
      name: personName,
    })),
    ...Array.from({ length: body.extraMembers }, (_, i) => {
      const number = String(i + 1).padStart(3, '0');
      return {
        role: 'member' as const,
        email: `extra-${number}-${tag}@example.test`,
        name: `Member ${number}`,
      };
    }),
  ];
  const created = await deps.store.testMode.createOrganization({
    organization: {
      name,
      impersonationEnabled: body.teamDoor,
      integrationsEnabled: body.integrations,
    },
    members: people.map((person) => ({
      ...person,
      passwordHash,
      permissions: [...profileRolePresets[person.role]],
    })),
    audit: (organizationId) => ({
      type: 'test.organization_created',
      at: now,
      actor: system,
      organizationId,
      details: {
        name,
        teamDoor: body.teamDoor,
        integrations: body.integrations,
        extraMembers: body.extraMembers,
      },
    }),
    now,
    meta,
  });
  const personas = roster.map((_, i): TestPersona => {
    const person = people[i];
    const ids = created.members[i];
    if (!person || !ids) throw new Error('A persona of the roster was not created');
    return { ...ids, email: person.email, password, name: person.name };
  });
  const [owner, admin, first, second] = personas as [
    TestPersona,
    TestPersona,
    TestPersona,
    TestPersona,
  ];
  return { id: created.organizationId, name, owner, admin, members: [first, second] };
}

/** An operator of the role asked for, for a test of the backoffice. */
export async function createTestOperator(
  deps: AppDeps,
  role: OperatorRole,
  meta: RequestMeta,
): Promise<TestOperator> {
  const tag = uniqueTag();
  const { password, passwordHash } = await freshPassword();
  const now = deps.clock.now();
  const email = `${role}-${tag}@operators.example.test`;
  const name = `Test ${role[0]?.toUpperCase()}${role.slice(1)} ${tag.slice(0, 4)}`;
  const userId = await deps.store.testMode.createOperator({
    person: { email, name, passwordHash, operatorRole: role },
    audit: (id) => ({
      type: 'test.operator_created',
      at: now,
      actor: system,
      subjectUserId: id,
      details: { role },
    }),
    now,
    meta,
  });
  return { userId, email, password, name, operatorRole: role };
}

const LINK = /https?:\/\/[^\s"'<>]+/g;

/**
 * What an address received, newest first, as its reader would see it, with the links picked
 * out. Only the local outbox can be read: with SMTP the mail has left.
 */
export async function readTestMailbox(
  deps: AppDeps,
  to: string,
  limit: number,
  meta: RequestMeta,
): Promise<TestMailbox> {
  if (deps.mailer.transport !== 'outbox') {
    throw new AppError('conflict', {
      message: 'Mail goes out over SMTP here: the test mailbox reads only the local outbox.',
    });
  }
  const address = to.toLowerCase();
  const rows = await deps.store.testMode.mailbox(address, limit);
  await deps.store.testMode.record({
    audit: {
      type: 'test.mailbox_read',
      at: deps.clock.now(),
      actor: system,
      details: { to: address, messages: rows.length },
    },
    meta,
  });
  return {
    messages: rows.map((row) => {
      const whole = row.sealed ? unseal(deps.secret.outboxKey, row.sealed) : null;
      const text = whole ? (JSON.parse(whole) as { text: string }).text : row.text;
      return {
        subject: row.subject,
        text,
        links: [...text.matchAll(LINK)].map((m) => m[0]),
        at: toIso(row.createdAt),
      };
    }),
  };
}

/** The running request's clock: now, and how far its test moved it. */
export function testClockOf(clocks: TestClocks): TestClock {
  return { now: toIso(clocks.clock.now()), offsetMs: clocks.offsetMs() };
}

/** The running request's clock, read: audited like every call of test mode (SPEC §12). */
export async function readTestClock(
  deps: AppDeps,
  clocks: TestClocks,
  meta: RequestMeta,
): Promise<TestClock> {
  const read = testClockOf(clocks);
  await deps.store.testMode.record({
    audit: {
      type: 'test.clock_read',
      at: clocks.clock.now(),
      actor: system,
      details: { clock: clocks.current(), offsetMs: read.offsetMs },
    },
    meta,
  });
  return read;
}

/**
 * Moves the running request's clock (its test's own, see TEST_CLOCK_HEADER) forward, audited:
 * that test's sessions, links and impersonations expire; nobody else's.
 */
export async function advanceTestClock(
  deps: AppDeps,
  clocks: TestClocks,
  advanceMs: number,
  meta: RequestMeta,
): Promise<TestClock> {
  const namespace = clocks.current();
  // The shared clock is the time of everyone on the server who names no clock (a person trying
  // the portal, a suite without the kit): moved, it stays moved, and their sessions end (found
  // by a review). Only a test's own clock moves.
  if (namespace === '') throw new AppError('test_clock_required');
  // The base time, as this request reads it: the clock now, less how far it had been moved.
  const base = clocks.clock.now() - clocks.offsetMs();
  const offsetMs = await deps.store.testMode.advanceClock({
    namespace,
    advanceMs,
    audit: (offset) => ({
      type: 'test.clock_advanced',
      at: base + offset,
      actor: system,
      details: { advanceMs, clock: namespace, offsetMs: offset },
    }),
    meta,
  });
  clocks.moved(offsetMs);
  return testClockOf(clocks);
}
