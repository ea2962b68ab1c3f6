import { desc, eq, sql } from 'drizzle-orm';
import type { NewPerson, TestModeStore } from '../../features/test-mode/test-mode.store.ts';
import { TEST_DATABASE } from '../test-database.ts';
import { appendAudit } from './audit.ts';
import { type PgQueryable, type PgTx, transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { organizations, outboxMessages, profiles, settings, testClocks, users } from './schema.ts';

/**
 * Inserts people in one statement and answers their ids in the order given: the rows come back
 * matched by address, which is unique, not trusted to keep the order of the VALUES list.
 */
async function insertPeople(
  tx: PgTx,
  people: (NewPerson & { operatorRole?: typeof users.$inferInsert.operatorRole })[],
  now: number,
): Promise<number[]> {
  if (people.length === 0) return [];
  const inserted = await tx
    .insert(users)
    .values(
      people.map((person) => ({
        email: person.email,
        name: person.name,
        passwordHash: person.passwordHash,
        passwordChangedAt: now,
        kind: person.operatorRole ? ('operator' as const) : ('customer' as const),
        operatorRole: person.operatorRole ?? null,
        createdAt: now,
      })),
    )
    .returning({ id: users.id, email: users.email });
  const ids = new Map(inserted.map((row) => [row.email, row.id]));
  return people.map((person) => {
    const id = ids.get(person.email);
    if (id === undefined) throw new Error(`No user was inserted for ${person.email}`);
    return id;
  });
}

export function postgresTestMode({ db, auditKey }: PostgresContext): TestModeStore {
  return {
    async createOrganization({ organization, members, audit, now, meta }) {
      return transaction(db, async (tx) => {
        const [created] = await tx
          .insert(organizations)
          .values({ ...organization, kind: 'company', createdAt: now })
          .returning({ id: organizations.id });
        if (!created) throw new Error('The organization was not inserted');
        const organizationId = created.id;
        const userIds = await insertPeople(tx, members, now);
        const profileRows =
          members.length === 0
            ? []
            : await tx
                .insert(profiles)
                .values(
                  members.map((member, i) => ({
                    userId: userIds[i] as number,
                    organizationId,
                    role: member.role,
                    permissions: member.permissions,
                    createdAt: now,
                  })),
                )
                .returning({ id: profiles.id, userId: profiles.userId });
        const profileOf = new Map(profileRows.map((row) => [row.userId, row.id]));
        await appendAudit(tx, auditKey, audit(organizationId), meta);
        return {
          organizationId,
          members: userIds.map((userId) => {
            const profileId = profileOf.get(userId);
            if (profileId === undefined) throw new Error(`No profile was inserted for ${userId}`);
            return { userId, profileId };
          }),
        };
      });
    },

    async createOperator({ person, audit, now, meta }) {
      return transaction(db, async (tx) => {
        const [userId] = await insertPeople(tx, [person], now);
        if (userId === undefined) throw new Error('The operator was not inserted');
        await appendAudit(tx, auditKey, audit(userId), meta);
        return userId;
      });
    },

    async markTestDatabase(now) {
      return transaction(db, async (tx) => {
        // No person is added or readdressed meanwhile, from any process: those under way finish
        // first and are seen; those after find the mark (migration 0017's trigger refuses them).
        await tx.execute(sql`LOCK TABLE ${users} IN SHARE MODE`);
        if (await holdsRealAccounts(tx)) return 'holds_real_accounts' as const;
        await tx
          .insert(settings)
          .values({ key: TEST_DATABASE, value: true, updatedAt: now })
          .onConflictDoNothing();
        return 'marked' as const;
      });
    },
    async isTestDatabase() {
      const found = await db
        .select({ key: settings.key })
        .from(settings)
        .where(eq(settings.key, TEST_DATABASE));
      return found.length > 0;
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
        .limit(limit);
    },

    async record({ audit, meta }) {
      await transaction(db, (tx) => appendAudit(tx, auditKey, audit, meta));
    },

    async clockOffset(namespace) {
      const [row] = await db
        .select({ offsetMs: testClocks.offsetMs })
        .from(testClocks)
        .where(eq(testClocks.namespace, namespace));
      return row?.offsetMs ?? 0;
    },

    async advanceClock({ namespace, advanceMs, audit, meta }) {
      return transaction(db, async (tx) => {
        const [moved] = await tx
          .insert(testClocks)
          .values({ namespace, offsetMs: advanceMs })
          .onConflictDoUpdate({
            target: testClocks.namespace,
            set: { offsetMs: sql`${testClocks.offsetMs} + ${advanceMs}` },
          })
          .returning({ offsetMs: testClocks.offsetMs });
        if (!moved) throw new Error('The test clock was not moved');
        await appendAudit(tx, auditKey, audit(moved.offsetMs), meta);
        return moved.offsetMs;
      });
    },
  };
}

async function holdsRealAccounts(db: PgQueryable): Promise<boolean> {
  const found = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.email}) NOT LIKE '%.test'`)
    .limit(1);
  return found.length > 0;
}
