import { desc, eq, sql } from 'drizzle-orm';
import type { NewPerson, TestModeStore } from '../../features/test-mode/test-mode.store.ts';
import { placeholdersFor } from '../placeholders.ts';
import { TEST_DATABASE } from '../test-database.ts';
import { recordAudit } from './audit.ts';
import type { Queryable, Tx } from './client.ts';
import type { SqliteContext } from './context.ts';
import { preparedPerHandle } from './prepared.ts';
import { organizations } from './schema/organizations.ts';
import { outboxMessages } from './schema/outbox.ts';
import { profiles } from './schema/profiles.ts';
import { settings } from './schema/settings.ts';
import { testClocks } from './schema/test-clocks.ts';
import { users } from './schema/users.ts';

const PERSON_COLUMNS = [
  'email',
  'name',
  'passwordHash',
  'passwordChangedAt',
  'kind',
  'operatorRole',
  'createdAt',
] as const;

/**
 * A person, and a member's profile, each one prepared statement run per row: building one
 * statement per person with drizzle, or one for a thousand, took 60-280 ms of the event loop for
 * a test organization with a thousand extra members; SQLite's own work is a few milliseconds.
 */
const personInsert = preparedPerHandle((db: Queryable) =>
  db.insert(users).values(placeholdersFor(PERSON_COLUMNS)).returning({ id: users.id }).prepare(),
);

const PROFILE_COLUMNS = ['userId', 'organizationId', 'role', 'permissions', 'createdAt'] as const;

const profileInsert = preparedPerHandle((db: Queryable) =>
  db
    .insert(profiles)
    .values(placeholdersFor(PROFILE_COLUMNS))
    .returning({ id: profiles.id })
    .prepare(),
);

function insertPerson(
  tx: Tx,
  person: NewPerson & { operatorRole?: typeof users.$inferInsert.operatorRole },
  now: number,
): number {
  const row = personInsert(tx).get({
    email: person.email,
    name: person.name,
    passwordHash: person.passwordHash,
    passwordChangedAt: now,
    kind: person.operatorRole ? 'operator' : 'customer',
    operatorRole: person.operatorRole ?? null,
    createdAt: now,
  });
  if (!row) throw new Error(`No user was inserted for ${person.email}`);
  return row.id;
}

export function sqliteTestMode({ db }: SqliteContext): TestModeStore {
  return {
    async createOrganization({ organization, members, audit, now, meta }) {
      return db.transaction((tx) => {
        const organizationId = tx
          .insert(organizations)
          .values({ ...organization, kind: 'company', createdAt: now })
          .returning({ id: organizations.id })
          .get().id;
        const created = members.map((member) => {
          const userId = insertPerson(tx, member, now);
          const row = profileInsert(tx).get({
            userId,
            organizationId,
            role: member.role,
            permissions: member.permissions,
            createdAt: now,
          });
          if (!row) throw new Error(`No profile was inserted for ${userId}`);
          return { userId, profileId: row.id };
        });
        recordAudit(tx, audit(organizationId), meta);
        return { organizationId, members: created };
      });
    },

    async createOperator({ person, audit, now, meta }) {
      return db.transaction((tx) => {
        const userId = insertPerson(tx, person, now);
        recordAudit(tx, audit(userId), meta);
        return userId;
      });
    },

    async markTestDatabase(now) {
      // One transaction: the single writer adds no person between the look and the mark; after
      // it, migration 0021's triggers refuse one outside .test.
      return db.transaction((tx) => {
        if (holdsRealAccounts(tx)) return 'holds_real_accounts' as const;
        tx.insert(settings)
          .values({ key: TEST_DATABASE, value: true, updatedAt: now })
          .onConflictDoNothing()
          .run();
        return 'marked' as const;
      });
    },
    async isTestDatabase() {
      return (
        db
          .select({ key: settings.key })
          .from(settings)
          .where(eq(settings.key, TEST_DATABASE))
          .get() !== undefined
      );
    },
    async mailbox(to, limit) {
      return db
        .select({
          subject: outboxMessages.subject,
          text: outboxMessages.text,
          sealed: outboxMessages.sealed,
          createdAt: outboxMessages.createdAt,
        })
        .from(outboxMessages)
        .where(eq(outboxMessages.to, to))
        .orderBy(desc(outboxMessages.id))
        .limit(limit)
        .all();
    },

    async record({ audit, meta }) {
      db.transaction((tx) => recordAudit(tx, audit, meta));
    },

    async clockOffset(namespace) {
      const row = db
        .select({ offsetMs: testClocks.offsetMs })
        .from(testClocks)
        .where(eq(testClocks.namespace, namespace))
        .get();
      return row?.offsetMs ?? 0;
    },

    async advanceClock({ namespace, advanceMs, audit, meta }) {
      return db.transaction((tx) => {
        const moved = tx
          .insert(testClocks)
          .values({ namespace, offsetMs: advanceMs })
          .onConflictDoUpdate({
            target: testClocks.namespace,
            set: { offsetMs: sql`${testClocks.offsetMs} + ${advanceMs}` },
          })
          .returning({ offsetMs: testClocks.offsetMs })
          .get();
        if (!moved) throw new Error('The test clock was not moved');
        recordAudit(tx, audit(moved.offsetMs), meta);
        return moved.offsetMs;
      });
    },
  };
}

function holdsRealAccounts(db: Queryable): boolean {
  return (
    db
      .select({ id: users.id })
      .from(users)
      .where(sql`lower(${users.email}) NOT LIKE '%.test'`)
      .limit(1)
      .get() !== undefined
  );
}
