import { eq } from 'drizzle-orm';
import {
  anotherSecret,
  SECRET_CHECK,
  secretCheckFor,
  secretMatchesCheck,
} from '../../lib/server-secret.ts';
import type { Queryable } from './client.ts';
import { settings } from './schema/settings.ts';

/** The secret's check as stored in `settings`, if any (lib/server-secret.ts). */
export function storedSecretCheck(db: Queryable): unknown {
  return db.select().from(settings).where(eq(settings.key, SECRET_CHECK)).get()?.value;
}

/**
 * Records the check of the secret `sealKey` belongs to where none is, then refuses unless the
 * stored one is its own: a compare-and-set, since the row is only ever inserted, never
 * replaced. Whoever's insert commits first (a server at its start, or a command in the
 * transaction of its first keyed write) decides, and every other with another secret is
 * refused. It writes, so it runs inside a write transaction (SQLite's one writer at a time):
 * the insert and the read after it see one state of the database.
 */
export function recordSecretCheck(db: Queryable, sealKey: Buffer, now: number): void {
  db.insert(settings)
    .values({ key: SECRET_CHECK, value: secretCheckFor(sealKey), updatedAt: now })
    .onConflictDoNothing()
    .run();
  if (!secretMatchesCheck(sealKey, storedSecretCheck(db))) throw anotherSecret();
}
