import { eq, isNull, sql } from 'drizzle-orm';
import type { JWK } from 'jose';
import { seal, unseal } from '../../lib/server-secret.ts';
import { fromPrivateJwk, generateSigningKeys, type SigningKeys } from '../../lib/signing-keys.ts';
import { type PgDb, type PgTx, transaction } from './client.ts';
import { settings, signingKeys } from './schema.ts';

/** Held while a process looks for the key and makes it if there is none: exactly one is made. */
const KEY_LOCK = 0x6f6e62686b657973n;

/**
 * The session-signing key every process shares (SPEC §11: the same JWKS from each): from
 * `SESSION_SIGNING_JWK` when given; else the one in the database, made by the first process
 * that found none. Its private part is stored sealed with a key derived from ONBEHALF_SECRET,
 * so a copy of the database signs nothing.
 */
export async function loadSharedSigningKeys(
  db: PgDb,
  sealKey: Buffer,
  fromEnv?: string,
): Promise<SigningKeys> {
  const privateJwk = await transaction(db, async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK.toString()}::bigint)`);
    await confirmSharedSecret(tx, sealKey);
    if (fromEnv) return JSON.parse(fromEnv) as JWK;
    const [current] = await currentKey(tx);
    if (current) {
      const opened = unseal(sealKey, current.sealedPrivateJwk);
      if (!opened) throw anotherSecret();
      return JSON.parse(opened) as JWK;
    }
    const { keys, privateJwk: made } = await generateSigningKeys();
    await tx.insert(signingKeys).values({
      kid: keys.kid,
      publicJwk: keys.publicJwk,
      sealedPrivateJwk: seal(sealKey, JSON.stringify(made)),
      createdAt: Date.now(),
    });
    return made;
  });
  return fromPrivateJwk(privateJwk);
}

function currentKey(tx: PgTx) {
  return tx
    .select()
    .from(signingKeys)
    .where(isNull(signingKeys.retiredAt))
    .orderBy(signingKeys.createdAt)
    .limit(1);
}

function anotherSecret(): Error {
  return new Error(
    'This database was first started with another ONBEHALF_SECRET (its session-signing key or its check is sealed with it): every process must be given the same one.',
  );
}

/** The settings row that says which ONBEHALF_SECRET the processes of this database share. */
const SECRET_CHECK = 'server_secret_check';
const SECRET_CHECK_TEXT = 'onbehalf: the secret every process of this database shares';

/**
 * Refuses to start a process given another ONBEHALF_SECRET than the first process of this
 * database, whether its session-signing key comes from the database or from the environment
 * (`SESSION_SIGNING_JWK`): a text sealed by the first, which only the same secret opens, made
 * from the database's signing key's secret where one was made before the text. Started with
 * another, a process would key its audit events and seal its mail apart from every other, and
 * nothing would say so until a verification reported its events as broken (found by a review).
 * Under the signing keys' lock.
 */
async function confirmSharedSecret(tx: PgTx, sealKey: Buffer): Promise<void> {
  const [check] = await tx.select().from(settings).where(eq(settings.key, SECRET_CHECK));
  if (check) {
    const opened = typeof check.value === 'string' ? unseal(sealKey, check.value) : null;
    if (opened !== SECRET_CHECK_TEXT) throw anotherSecret();
    return;
  }
  // A database from before the check: its signing key says which secret it was started with.
  const [key] = await currentKey(tx);
  if (key && unseal(sealKey, key.sealedPrivateJwk) === null) throw anotherSecret();
  await tx.insert(settings).values({
    key: SECRET_CHECK,
    value: seal(sealKey, SECRET_CHECK_TEXT),
    updatedAt: Date.now(),
  });
}
