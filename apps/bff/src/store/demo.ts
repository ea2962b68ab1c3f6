import type { OperatorRole, ProfileRole } from '@onbehalf/contracts/permissions';

/**
 * The demo (SPEC §9), as data: who exists, in which organizations, with which orders. Each store
 * writes it in its own way (store/sqlite/seed.ts, store/postgres/seed.ts), only into an empty
 * database, so both hold the same demo.
 */

export const DEMO_PASSWORD = 'demo-password';

/**
 * What a start did about the demo: wrote it into an empty database; found people there already;
 * or, in production without a password of the operator's own (`ONBEHALF_DEMO_PASSWORD`), left the
 * empty database empty rather than open it with a published password.
 */
export type DemoSeed = 'seeded' | 'not_empty' | 'withheld';

/** What a start or `pnpm db:seed` says when production left an empty database empty. */
export const WITHHELD_DEMO =
  'The database is empty, and a server others reach (NODE_ENV=production, or test mode with ONBEHALF_TEST_MODE_KEY) seeds no demo with its published password. Make the first superadmin with `pnpm cli create-operator <email> <name> superadmin` (the password on stdin), or set ONBEHALF_DEMO_PASSWORD (12+ characters) to seed the demo with a password of your own.';

export type OrgKey = 'acme' | 'globex' | 'solo';

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
export const demoOrganizations: Record<
  OrgKey,
  { name: string; kind: 'company' | 'personal'; impersonation: boolean; integrations: boolean }
> = {
  acme: { name: 'Acme Corp', kind: 'company', impersonation: true, integrations: true },
  globex: { name: 'Globex Inc', kind: 'company', impersonation: false, integrations: false },
  solo: { name: 'Sam Solo', kind: 'personal', impersonation: false, integrations: false },
};

export const demoOrders: Record<
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

export const DAY = 24 * 60 * 60 * 1000;

/** The global settings the demo starts with: operator impersonation on. */
export const demoSettings = [
  { key: 'impersonation.operator', value: { enabled: true, maxMinutes: 60 } },
] as const;

/** An order's and its invoice's numbers: `SO-ACME-001`, `INV-ACME-001`. */
export function orderNumbers(org: OrgKey, index: number) {
  const n = String(index + 1).padStart(3, '0');
  return { order: `SO-${org.toUpperCase()}-${n}`, invoice: `INV-${org.toUpperCase()}-${n}` };
}
