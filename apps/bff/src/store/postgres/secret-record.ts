import { eq } from 'drizzle-orm';
import {
  anotherSecret,
  SECRET_CHECK,
  secretCheckFor,
  secretMatchesCheck,
} from '../../lib/server-secret.ts';
import type { PgTx } from './client.ts';
import { settings } from './schema.ts';

/**
 * Records the check of the secret `sealKey` belongs to where none is, then refuses unless the
 * stored one is its own: a compare-and-set, since the row is only ever inserted, never
 * replaced. Whoever's insert commits first (a server at its start, or a command in the
 * transaction of its first keyed write) decides, and every other with another secret is
 * refused. Two statements, at READ COMMITTED: an insert that met another transaction's
 * uncommitted check waits for it, and the read after it sees the check it committed.
 */
export async function recordSecretCheck(tx: PgTx, sealKey: Buffer): Promise<void> {
  await tx
    .insert(settings)
    .values({ key: SECRET_CHECK, value: secretCheckFor(sealKey), updatedAt: Date.now() })
    .onConflictDoNothing();
  const [check] = await tx.select().from(settings).where(eq(settings.key, SECRET_CHECK));
  if (!secretMatchesCheck(sealKey, check?.value)) throw anotherSecret();
}
