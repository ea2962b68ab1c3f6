import { profileRolePresets } from '@onbehalf/contracts/permissions';
import {
  DAY,
  type DemoSeed,
  demoAccounts,
  demoOrders,
  demoOrganizations,
  demoSettings,
  type OrgKey,
  orderNumbers,
} from '../demo.ts';
import { type PgDb, transaction } from './client.ts';
import { invoices, orders, organizations, profiles, settings, users } from './schema.ts';

/**
 * Writes the demo (store/demo.ts) into an empty PostgreSQL database; on any other, or with no
 * password hash (production without a demo password of the operator's own), it does nothing.
 * Called under the migration lock, so processes starting at once seed it once.
 */
export async function seedDemoPostgres(
  db: PgDb,
  passwordHash: string | (() => Promise<string>) | null,
  now = Date.now(),
): Promise<DemoSeed> {
  return transaction(db, async (tx): Promise<DemoSeed> => {
    // One row is enough to know: counting a large directory on every start is not.
    const [existing] = await tx.select({ id: users.id }).from(users).limit(1);
    if (existing) return 'not_empty';
    if (passwordHash === null) return 'withheld';
    // Hashed only when it will be written: argon2id on every start would slow each one down.
    const hash = typeof passwordHash === 'string' ? passwordHash : await passwordHash();

    const orgIds = {} as Record<OrgKey, number>;
    for (const [key, org] of Object.entries(demoOrganizations) as [
      OrgKey,
      (typeof demoOrganizations)[OrgKey],
    ][]) {
      const [row] = await tx
        .insert(organizations)
        .values({
          name: org.name,
          kind: org.kind,
          impersonationEnabled: org.impersonation,
          integrationsEnabled: org.integrations,
          createdAt: now,
        })
        .returning({ id: organizations.id });
      if (row) orgIds[key] = row.id;
    }

    const firstProfile = {} as Record<OrgKey, number>;
    for (const account of demoAccounts) {
      const [user] = await tx
        .insert(users)
        .values({
          email: account.email,
          name: account.name,
          passwordHash: hash,
          passwordChangedAt: now,
          kind: account.operatorRole ? 'operator' : 'customer',
          operatorRole: account.operatorRole ?? null,
          createdAt: now,
        })
        .returning({ id: users.id });
      if (!user) continue;
      for (const [org, role] of account.profiles ?? []) {
        const [profile] = await tx
          .insert(profiles)
          .values({
            userId: user.id,
            organizationId: orgIds[org],
            role,
            permissions: [...profileRolePresets[role]],
            createdAt: now,
          })
          .returning({ id: profiles.id });
        if (profile) firstProfile[org] ??= profile.id;
      }
    }

    for (const [org, list] of Object.entries(demoOrders) as [
      OrgKey,
      (typeof demoOrders)[OrgKey],
    ][]) {
      for (const [i, [title, quantity, unit, status]] of list.entries()) {
        const createdAt = now - (list.length - i) * 3 * DAY;
        const numbers = orderNumbers(org, i);
        await tx.insert(orders).values({
          organizationId: orgIds[org],
          number: numbers.order,
          title,
          status,
          quantity,
          totalCents: quantity * unit,
          currency: 'EUR',
          placedByProfileId: firstProfile[org] ?? null,
          createdAt,
        });
        await tx.insert(invoices).values({
          organizationId: orgIds[org],
          number: numbers.invoice,
          status: status === 'delivered' ? 'paid' : i % 2 === 0 ? 'open' : 'overdue',
          amountCents: quantity * unit,
          currency: 'EUR',
          issuedAt: createdAt + DAY,
          dueAt: createdAt + 31 * DAY,
        });
      }
    }

    for (const { key, value } of demoSettings) {
      await tx.insert(settings).values({ key, value, updatedAt: now });
    }
    return 'seeded';
  });
}
