import type { TestProject } from 'vitest/node';
import { hashPassword } from '../lib/passwords.ts';
import { DEMO_PASSWORD } from '../store/demo.ts';
import { migratePostgres, openPostgres } from '../store/postgres/client.ts';
import { seedDemoPostgres } from '../store/postgres/seed.ts';
import { createLocaleDatabase, startTestCluster } from '../store/postgres/test-cluster.ts';
import { SEEDED_AT } from './seeded-at.ts';

const TEMPLATE = 'onbehalf_demo';

/**
 * Starts the PostgreSQL server of a project's run: the one the HTTP suites run on when
 * ONBEHALF_TEST_DB=postgres, and the one the stores' own tests make their databases on
 * (store/test-stores.ts). Prepares the template every test app's database is copied from:
 * migrated, holding the demo, under a real language's collation as production databases are.
 * Stopped after the run.
 */
export default async function setup(project: TestProject) {
  const cluster = await startTestCluster();
  try {
    await createLocaleDatabase(cluster.url, TEMPLATE);
    const template = openPostgres(cluster.urlFor(TEMPLATE), { max: 1 });
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    await migratePostgres(template.pool, async (db) => {
      await seedDemoPostgres(db, passwordHash, SEEDED_AT);
    });
    await template.pool.end();
  } catch (error) {
    cluster.stop();
    throw error;
  }
  project.provide('postgres', {
    url: cluster.url,
    urlFor: cluster.urlFor('{database}'),
    template: TEMPLATE,
  });
  // Not stop(): blocking Vitest's main process while gigabytes of databases are removed held
  // back the workers' answers that they had stopped, and Vitest reported them as hanging.
  return () => cluster.end();
}
