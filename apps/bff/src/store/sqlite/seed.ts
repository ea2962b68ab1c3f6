import {
  type OperatorRole,
  type ProfileRole,
  profileRolePresets,
} from '@onbehalf/contracts/permissions';
import { count } from 'drizzle-orm';
import { hashPassword } from '../../lib/passwords.ts';
import type { Db } from './client.ts';
import { invoices, orders } from './schema/commerce.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { settings } from './schema/settings.ts';
import { users } from './schema/users.ts';

export const DEMO_PASSWORD = 'demo-password';

type OrgKey = 'acme' | 'globex' | 'solo';

interface DemoAccount {
  email: string;
  name: string;
  what: string;
  operatorRole?: OperatorRole;
  profiles?: [OrgKey, ProfileRole][];
}

export const demoAccounts: DemoAccount[] = [
  {
    email: 'owner@acme.test',
    name: 'Olivia Owens',
    what: 'Acme Corp owner',
    profiles: [['acme', 'owner']],
  },
  {
    email: 'admin@acme.test',
    name: 'Adam Alvarez',
    what: 'Acme Corp team admin',
    profiles: [['acme', 'admin']],
  },
  {
    email: 'member@acme.test',
    name: 'Jane Doe',
    what: 'Acme Corp member, also a Contact of Globex Inc',
    profiles: [
      ['acme', 'member'],
      ['globex', 'member'],
    ],
  },
  {
    email: 'buyer@acme.test',
    name: 'Ben Brooks',
    what: 'Acme Corp member',
    profiles: [['acme', 'member']],
  },
  {
    email: 'solo@example.test',
    name: 'Sam Solo',
    what: 'a Customer (personal organization)',
    profiles: [['solo', 'owner']],
  },
  {
    email: 'support@onbehalf.test',
    name: 'Sasha Patel',
    what: 'operator, support',
    operatorRole: 'support',
  },
  {
    email: 'ops@onbehalf.test',
    name: 'Omar Haddad',
    what: 'operator, admin',
    operatorRole: 'admin',
  },
  {
    email: 'root@onbehalf.test',
    name: 'Rita Rossi',
    what: 'operator, superadmin',
    operatorRole: 'superadmin',
  },
];

/** Acme has the team door and integrations (its OCI punch-out) on; the others have neither. */
const demoOrganizations: Record<
  OrgKey,
  { name: string; kind: 'company' | 'personal'; impersonation: boolean; integrations: boolean }
> = {
  acme: { name: 'Acme Corp', kind: 'company', impersonation: true, integrations: true },
  globex: { name: 'Globex Inc', kind: 'company', impersonation: false, integrations: false },
  solo: { name: 'Sam Solo', kind: 'personal', impersonation: false, integrations: false },
};

const demoOrders: Record<
  OrgKey,
  [string, number, number, 'placed' | 'processing' | 'shipped' | 'delivered'][]
> = {
  acme: [
    ['A4 copy paper, 5 reams', 10, 2450, 'delivered'],
    ['Black toner cartridge', 4, 8900, 'shipped'],
    ['Ergonomic office chair', 6, 32900, 'processing'],
    ['LED desk lamp', 12, 3990, 'placed'],
  ],
  globex: [
    ['Globex lab coats', 20, 4500, 'delivered'],
    ['Globex safety goggles', 40, 1200, 'shipped'],
    ['Globex fume hood filter', 2, 78000, 'processing'],
  ],
  solo: [['LED desk lamp', 1, 3990, 'delivered']],
};

const DAY = 24 * 60 * 60 * 1000;

/** Seeds the demo on an empty database; on any other database it does nothing. */
export async function seedDemo(db: Db, now = Date.now()): Promise<boolean> {
  const existing = db.select({ n: count() }).from(users).get()?.n ?? 0;
  if (existing > 0) return false;

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  db.transaction((tx) => {
    // Another process may have seeded while we hashed.
    if ((tx.select({ n: count() }).from(users).get()?.n ?? 0) > 0) return;

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
            number: `SO-${org.toUpperCase()}-${String(i + 1).padStart(3, '0')}`,
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
            number: `INV-${org.toUpperCase()}-${String(i + 1).padStart(3, '0')}`,
            status: status === 'delivered' ? 'paid' : i % 2 === 0 ? 'open' : 'overdue',
            amountCents: order.totalCents,
            currency: 'EUR',
            issuedAt: createdAt + DAY,
            dueAt: createdAt + 31 * DAY,
          })
          .run();
      });
    }

    tx.insert(settings)
      .values({
        key: 'impersonation.operator',
        value: { enabled: true, maxMinutes: 60 },
        updatedAt: now,
      })
      .run();
  });
  return true;
}
