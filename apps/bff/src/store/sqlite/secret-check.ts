import { existsSync, readFileSync, rmSync } from 'node:fs';
import { desc, isNotNull, sql } from 'drizzle-orm';
import { keyedHash, storedPayload } from '../../lib/audit-event.ts';
import { checkpointPayload } from '../../lib/audit-verification.ts';
import {
  anotherSecret,
  anotherSecretBefore,
  loadOrMakeServerSecret,
  type ServerSecret,
  secretMatchesCheck,
  serverSecretFile,
} from '../../lib/server-secret.ts';
import { storedRowOf } from './audit-chain.ts';
import type { Db } from './client.ts';
import { auditCheckpoints } from './schema/audit-events.ts';
import { recordSecretCheck, storedSecretCheck } from './secret-record.ts';

/**
 * Refuses a process or a command given another ONBEHALF_SECRET than this database was first
 * started with, as PostgreSQL's are (store/postgres/signing-keys.ts): restarted without the
 * variable, a server generated a secret of its own and keyed every later audit event with it,
 * and nothing said so until a verification reported them as edited (found by a review). The
 * check row decides when there is one. A database from before it is asked its trail: a secret
 * that keyed its first or its newest keyed event is one it ran with (both, since a trail a
 * start without the variable split has each; either, since one may be the event an intruder
 * edited), and is recorded; neither, and the start is refused. A trail pruned whole is asked
 * its newest keyed checkpoint. With nothing to ask, a server records its secret; a command
 * (`leaves`) leaves that to its first keyed write, which records it in its own transaction
 * (audit.ts `confirmCommandSecret`), and if it writes none, to the others, so that a deploy's
 * `pnpm db:migrate` run without the servers' secret cannot lock them out. On a migrated
 * database.
 */
export function confirmDatabaseSecret(
  db: Db,
  secret: ServerSecret,
  now: number,
  unasked: 'records' | 'leaves' = 'records',
): void {
  const key = secret.signingKeysKey;
  const stored = storedSecretCheck(db);
  if (stored !== undefined) {
    if (!secretMatchesCheck(key, stored)) throw anotherSecret();
    return;
  }
  const keyed = [firstKeyedEvent(db), newestKeyedEvent(db)].filter((raw) => raw !== undefined);
  if (keyed.length > 0) {
    if (!keyed.some((raw) => keyedWith(raw, secret.auditKey))) {
      throw anotherSecretBefore('its audit events');
    }
  } else {
    // A trail pruned whole keeps its keyed checkpoints.
    const checkpoint = newestKeyedCheckpoint(db);
    if (checkpoint && !checkpointKeyedWith(checkpoint, secret.auditKey)) {
      throw anotherSecretBefore('its audit checkpoints');
    }
    if (!checkpoint && unasked === 'leaves') return;
  }
  // Another process or command may have written its own meanwhile: the stored one decides.
  recordSecretCheck(db, key, now);
}

/**
 * The server secret of a process or command on `DATA_DIR`, and its confirmation once the
 * database is migrated (a command's says `leaves`: its first keyed write records the secret).
 * A secret this start generated (none in the environment, none in
 * `DATA_DIR/keys`) for a database keyed with another is removed again, if the file still holds
 * it, so that the next start does not find it and is refused the same way.
 */
export function loadDatabaseSecret(
  dataDir: string,
  fromEnv: string | undefined,
): { secret: ServerSecret; confirm(db: Db, unasked?: 'records' | 'leaves'): void } {
  const { secret, made } = loadOrMakeServerSecret(dataDir, fromEnv);
  return {
    secret,
    confirm(db, unasked = 'records') {
      try {
        confirmDatabaseSecret(db, secret, Date.now(), unasked);
      } catch (error) {
        const file = serverSecretFile(dataDir);
        if (made !== null && existsSync(file) && readFileSync(file, 'utf8') === made) {
          rmSync(file, { force: true });
        }
        throw error;
      }
    },
  };
}

type RawEvent = Record<string, unknown>;

/** Once keyed, every later event is: the newest, when keyed, was written by the last run. */
function newestKeyedEvent(db: Db): RawEvent | undefined {
  const raw = db.get<RawEvent | undefined>(
    sql`SELECT * FROM audit_events ORDER BY id DESC LIMIT 1`,
  );
  return raw?.keyed === 1 ? raw : undefined;
}

/** The first keyed event, after a first version's plain ones (read once, at the upgrade). */
function firstKeyedEvent(db: Db): RawEvent | undefined {
  return db.get<RawEvent | undefined>(
    sql`SELECT * FROM audit_events WHERE keyed = 1 ORDER BY id LIMIT 1`,
  );
}

function newestKeyedCheckpoint(db: Db) {
  return db
    .select()
    .from(auditCheckpoints)
    .where(isNotNull(auditCheckpoints.hash))
    .orderBy(desc(auditCheckpoints.id))
    .limit(1)
    .get();
}

function checkpointKeyedWith(
  checkpoint: typeof auditCheckpoints.$inferSelect,
  auditKey: Buffer,
): boolean {
  const hash = keyedHash(auditKey, checkpoint.prevHash ?? '', checkpointPayload(checkpoint));
  return hash === checkpoint.hash;
}

function keyedWith(raw: RawEvent, auditKey: Buffer): boolean {
  const hash = keyedHash(auditKey, raw.prev_hash as string, storedPayload(storedRowOf(raw)));
  return hash === raw.hash;
}
