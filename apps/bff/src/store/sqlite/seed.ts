import { profileRolePresets } from '@onbehalf/contracts/permissions';
import { count } from 'drizzle-orm';
import { hashPassword } from '../../lib/passwords.ts';
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
import type { Db } from './client.ts';
import { invoices, orders } from './schema/commerce.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { settings } from './schema/settings.ts';
import { users } from './schema/users.ts';

/**
 * Seeds the demo, every account with `password`, on an empty database; on any other it does
 * nothing. With no password (production without one of the operator's own) it writes nothing.
 */
export async function seedDemo(
  db: Db,
  password: string | null,
  now = Date.now(),
): Promise<DemoSeed> {
  const existing = db.select({ n: count() }).from(users).get()?.n ?? 0;
  if (existing > 0) return 'not_empty';
  if (password === null) return 'withheld';

  const passwordHash = await hashPassword(password);
  return db.transaction((tx): DemoSeed => {
    // Another process may have seeded while we hashed.
    if ((tx.select({ n: count() }).from(users).get()?.n ?? 0) > 0) return 'not_empty';

    const orgIds = {} as Record<OrgKey, number>;
    for (const [key, org] of Object.entries(demoOrganizations) as [
      OrgKey,
      (typeof demoOrganizations)[OrgKey],
    ][]) {
      orgIds[key] = tx
        .insert(organizations)
        .values({
          name: org.name,
          kind: org.kind,
          impersonationEnabled: org.impersonation,
          integrationsEnabled: org.integrations,
          createdAt: now,
        })
        .returning({ id: organizations.id })
        .get().id;
    }

    const firstProfile = {} as Record<OrgKey, number>;
    for (const account of demoAccounts) {
      const userId = tx
        .insert(users)
        .values({
          email: account.email,
          name: account.name,
          passwordHash,
          passwordChangedAt: now,
          kind: account.operatorRole ? 'operator' : 'customer',
          operatorRole: account.operatorRole ?? null,
          createdAt: now,
        })
        .returning({ id: users.id })
        .get().id;
      for (const [org, role] of account.profiles ?? []) {
        const id = tx
          .insert(profiles)
          .values({
            userId,
            organizationId: orgIds[org],
            role,
            permissions: [...profileRolePresets[role]],
            createdAt: now,
          })
          .returning({ id: profiles.id })
          .get().id;
        firstProfile[org] ??= id;
      }
    }

    for (const [org, list] of Object.entries(demoOrders) as [
      OrgKey,
      (typeof demoOrders)[OrgKey],
    ][]) {
      list.forEach(([title, quantity, unit, status], i) => {
        const createdAt = now - (list.length - i) * 3 * DAY;
        const order = tx
          .insert(orders)
          .values({
            organizationId: orgIds[org],
            number: orderNumbers(org, i).order,
            title,
            status,
            quantity,
            totalCents: quantity * unit,
            currency: 'EUR',
            placedByProfileId: firstProfile[org] ?? null,
            createdAt,
          })
          .returning()
          .get();
        tx.insert(invoices)
          .values({
            organizationId: orgIds[org],
            number: orderNumbers(org, i).invoice,
            status: status === 'delivered' ? 'paid' : i % 2 === 0 ? 'open' : 'overdue',
            amountCents: order.totalCents,
            currency: 'EUR',
            issuedAt: createdAt + DAY,
            dueAt: createdAt + 31 * DAY,
          })
          .run();
      });
    }

    for (const { key, value } of demoSettings) {
      tx.insert(settings).values({ key, value, updatedAt: now }).run();
    }
    return 'seeded';
  });
}
