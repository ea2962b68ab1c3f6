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
import { desc, eq } from 'drizzle-orm';
import type { AppDeps } from '../../app-env.ts';
import { recordAudit } from '../../lib/audit.ts';
import { type TestClocks, toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { hashPassword } from '../../lib/passwords.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { unseal } from '../../lib/server-secret.ts';
import { randomId, randomToken } from '../../lib/tokens.ts';
import type { Tx } from '../../store/sqlite/client.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { outboxMessages } from '../../store/sqlite/schema/outbox.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { users } from '../../store/sqlite/schema/users.ts';

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

function insertUser(
  tx: Tx,
  values: {
    email: string;
    name: string;
    passwordHash: string;
    now: number;
    operatorRole?: OperatorRole;
  },
) {
  return tx
    .insert(users)
    .values({
      email: values.email,
      name: values.name,
      passwordHash: values.passwordHash,
      passwordChangedAt: values.now,
      kind: values.operatorRole ? 'operator' : 'customer',
      operatorRole: values.operatorRole ?? null,
      createdAt: values.now,
    })
    .returning({ id: users.id })
    .get().id;
}

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
  const created = deps.db.transaction((tx) => {
    const organizationId = tx
      .insert(organizations)
      .values({
        name,
        kind: 'company',
        impersonationEnabled: body.teamDoor,
        integrationsEnabled: body.integrations,
        createdAt: now,
      })
      .returning({ id: organizations.id })
      .get().id;
    const personas = roster.map(([role, slug, personName]): TestPersona => {
      const email = `${slug}-${tag}@example.test`;
      const userId = insertUser(tx, { email, name: personName, passwordHash, now });
      const profileId = tx
        .insert(profiles)
        .values({
          userId,
          organizationId,
          role,
          permissions: [...profileRolePresets[role]],
          createdAt: now,
        })
        .returning({ id: profiles.id })
        .get().id;
      return { userId, profileId, email, password, name: personName };
    });
    for (let i = 1; i <= body.extraMembers; i++) {
      const number = String(i).padStart(3, '0');
      const email = `extra-${number}-${tag}@example.test`;
      const userId = insertUser(tx, { email, name: `Member ${number}`, passwordHash, now });
      tx.insert(profiles)
        .values({
          userId,
          organizationId,
          role: 'member',
          permissions: [...profileRolePresets.member],
          createdAt: now,
        })
        .run();
    }
    recordAudit(
      tx,
      {
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
      },
      meta,
    );
    return { organizationId, personas };
  });
  const [owner, admin, first, second] = created.personas as [
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
  const userId = deps.db.transaction((tx) => {
    const id = insertUser(tx, { email, name, passwordHash, now, operatorRole: role });
    recordAudit(
      tx,
      {
        type: 'test.operator_created',
        at: now,
        actor: system,
        subjectUserId: id,
        details: { role },
      },
      meta,
    );
    return id;
  });
  return { userId, email, password, name, operatorRole: role };
}

const LINK = /https?:\/\/[^\s"'<>]+/g;

/**
 * What an address received, newest first, as its reader would see it, with the links picked
 * out. Only the local outbox can be read: with SMTP the mail has left.
 */
export function readTestMailbox(
  deps: AppDeps,
  to: string,
  limit: number,
  meta: RequestMeta,
): TestMailbox {
  if (deps.mailer.transport !== 'outbox') {
    throw new AppError('conflict', {
      message: 'Mail goes out over SMTP here: the test mailbox reads only the local outbox.',
    });
  }
  const rows = deps.db
    .select()
    .from(outboxMessages)
    .where(eq(outboxMessages.to, to.toLowerCase()))
    .orderBy(desc(outboxMessages.id))
    .limit(limit)
    .all();
  deps.db.transaction((tx) =>
    recordAudit(
      tx,
      {
        type: 'test.mailbox_read',
        at: deps.clock.now(),
        actor: system,
        details: { to: to.toLowerCase(), messages: rows.length },
      },
      meta,
    ),
  );
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
  return { now: toIso(clocks.clock.now()), offsetMs: clocks.offsetMs(clocks.current()) };
}

/**
 * Moves the running request's clock (its test's own, see TEST_CLOCK_HEADER) forward, audited:
 * that test's sessions, links and impersonations expire; nobody else's.
 */
export function advanceTestClock(
  deps: AppDeps,
  clocks: TestClocks,
  advanceMs: number,
  meta: RequestMeta,
): TestClock {
  const namespace = clocks.current();
  clocks.advance(namespace, advanceMs);
  deps.db.transaction((tx) =>
    recordAudit(
      tx,
      {
        type: 'test.clock_advanced',
        at: clocks.clock.now(),
        actor: system,
        details: { advanceMs, clock: namespace, offsetMs: clocks.offsetMs(namespace) },
      },
      meta,
    ),
  );
  return testClockOf(clocks);
}
