import { and, desc, eq, gte, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import { calculateJwkThumbprint, type JWK } from 'jose';
import {
  anotherSecret,
  anotherSecretBefore,
  SECRET_CHECK,
  seal,
  secretMatchesCheck,
  unseal,
} from '../../lib/server-secret.ts';
import { SESSION_JWT_TTL_MS } from '../../lib/session-jwt.ts';
import {
  fromPrivateJwk,
  generateSigningKeys,
  type PublicJwk,
  parseSigningJwk,
  type SigningKeys,
} from '../../lib/signing-keys.ts';
import { trailKeyedWith } from './audit-chain.ts';
import { type PgDb, type PgTx, transaction } from './client.ts';
import { settings, signingKeys } from './schema.ts';
import { recordSecretCheck } from './secret-record.ts';

/** Held while a process looks for the key and makes it if there is none: exactly one is made. */
const KEY_LOCK = 0x6f6e62686b657973n;

/**
 * How long a key stays in every process's JWKS after a process signing with it last said so
 * (at start, then once a minute by its housekeeping): the life of the JWTs it signed, and a few
 * missed minutes. A process stopped, or restarted with another key, drops out after that.
 */
export const KEY_PUBLISHED_FOR_MS = SESSION_JWT_TTL_MS + 5 * 60_000;

/** At most this many keys published: a deploy signs with one or two at a time. */
const MOST_PUBLISHED = 20;

/**
 * The session-signing key of this process: from `SESSION_SIGNING_JWK` when given; else the one
 * in the database, made by the first process that found none. Its private part is stored sealed
 * with a key derived from ONBEHALF_SECRET, so a copy of the database signs nothing; a key from
 * the environment leaves only its public half there. Either way the key is registered, so that
 * every process publishes it (`publishedSigningKeys`): processes started with and without
 * `SESSION_SIGNING_JWK`, or during a rolling change of it, publish the same JWKS and each
 * verifies what the others sign.
 */
export async function loadSharedSigningKeys(
  db: PgDb,
  sealKey: Buffer,
  fromEnv?: string,
  now: number = Date.now(),
  auditKey?: Buffer,
): Promise<SigningKeys> {
  return transaction(db, async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK.toString()}::bigint)`);
    await confirmSharedSecret(tx, sealKey, 'records', auditKey);
    if (fromEnv) {
      const keys = await fromPrivateJwk(parseSigningJwk(fromEnv));
      await register(tx, sealKey, keys, now);
      return keys;
    }
    const [current] = await currentKey(tx);
    if (current?.sealedPrivateJwk) {
      const opened = unseal(sealKey, current.sealedPrivateJwk);
      if (!opened) throw anotherSecret();
      const keys = await fromPrivateJwk(JSON.parse(opened) as JWK);
      await register(tx, sealKey, keys, now);
      return keys;
    }
    const { keys, privateJwk: made } = await generateSigningKeys();
    await tx.insert(signingKeys).values({
      kid: keys.kid,
      publicJwk: keys.publicJwk,
      sealedPublicJwk: seal(sealKey, JSON.stringify(keys.publicJwk)),
      sealedPrivateJwk: seal(sealKey, JSON.stringify(made)),
      createdAt: now,
      lastSeenAt: now,
    });
    return keys;
  });
}

/**
 * Marks this process's key as signing now (its housekeeping, once a minute), keeping it in
 * every process's JWKS.
 */
export async function stillSigningWith(db: PgDb, kid: string, now: number): Promise<void> {
  await db
    .update(signingKeys)
    .set({ lastSeenAt: sql`greatest(${signingKeys.lastSeenAt}, ${now})` })
    .where(eq(signingKeys.kid, kid));
}

/**
 * The public keys to publish: every key a process signed with lately, this process's among
 * them, in the order of their kids (the same list from every process). A row whose public half is not sealed with this ONBEHALF_SECRET is never published (someone
 * who can write to the database but lacks the secret adds no key that downstream services
 * would trust).
 */
export async function publishedSigningKeys(
  db: PgDb,
  sealKey: Buffer,
  own: SigningKeys,
  now: number,
): Promise<PublicJwk[]> {
  const rows = await db
    .select({ kid: signingKeys.kid, sealedPublicJwk: signingKeys.sealedPublicJwk })
    .from(signingKeys)
    .where(
      and(
        isNull(signingKeys.retiredAt),
        gte(signingKeys.lastSeenAt, now - KEY_PUBLISHED_FOR_MS),
        ne(signingKeys.kid, own.kid),
      ),
    )
    .orderBy(desc(signingKeys.lastSeenAt))
    .limit(MOST_PUBLISHED - 1);
  const others = rows.flatMap((row) => {
    const opened = row.sealedPublicJwk ? unseal(sealKey, row.sealedPublicJwk) : null;
    if (!opened) return [];
    const jwk = JSON.parse(opened) as PublicJwk;
    return jwk.kid === row.kid ? [jwk] : [];
  });
  return [own.publicJwk, ...others].sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0));
}

/**
 * Records that a process signs with `keys`: its public half sealed, and when. A row under the
 * same kid must hold the same key: another key given the kid of one already published would
 * leave the JWKS saying two things, so the process refuses to start.
 */
async function register(tx: PgTx, sealKey: Buffer, keys: SigningKeys, now: number) {
  const sealedPublicJwk = seal(sealKey, JSON.stringify(keys.publicJwk));
  const [row] = await tx.select().from(signingKeys).where(eq(signingKeys.kid, keys.kid));
  if (!row) {
    await tx.insert(signingKeys).values({
      kid: keys.kid,
      publicJwk: keys.publicJwk,
      sealedPublicJwk,
      sealedPrivateJwk: null,
      createdAt: now,
      lastSeenAt: now,
    });
    return;
  }
  // The row's own word for its key: its sealed public half, or on a row from before it, its
  // sealed private one. Neither opening is another secret, which confirmSharedSecret has ruled out.
  const sealed = row.sealedPublicJwk ?? row.sealedPrivateJwk;
  const opened = sealed ? unseal(sealKey, sealed) : null;
  if (!opened || !(await sameKey(JSON.parse(opened) as JWK, keys.publicJwk))) {
    throw new Error(
      `Another session-signing key is already published under the kid "${keys.kid}": give SESSION_SIGNING_JWK a kid of its own, or none (its thumbprint is used).`,
    );
  }
  await tx
    .update(signingKeys)
    .set({ sealedPublicJwk, lastSeenAt: sql`greatest(${signingKeys.lastSeenAt}, ${now})` })
    .where(eq(signingKeys.kid, keys.kid));
}

async function sameKey(a: JWK, b: JWK): Promise<boolean> {
  return (await calculateJwkThumbprint(a)) === (await calculateJwkThumbprint(b));
}

/** The key processes without `SESSION_SIGNING_JWK` sign with: the first made in the database. */
function currentKey(tx: PgTx) {
  return tx
    .select()
    .from(signingKeys)
    .where(and(isNull(signingKeys.retiredAt), isNotNull(signingKeys.sealedPrivateJwk)))
    .orderBy(signingKeys.createdAt)
    .limit(1);
}

/**
 * The same refusal for a command (`pnpm cli …`): one given another ONBEHALF_SECRET than the
 * database's processes would append audit events no verification with theirs accepts. A
 * command leaves a database with nothing to ask as it is: its first keyed write records its
 * secret in its own transaction (audit.ts `confirmCommandSecret`), and is refused there if a
 * server recorded another first. One that failed or wrote nothing never records (review: a
 * `one-click` for nobody, run with another secret, locked the servers out).
 */
export async function confirmDatabaseSecret(
  db: PgDb,
  sealKey: Buffer,
  auditKey: Buffer | undefined,
): Promise<void> {
  await transaction(db, async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK.toString()}::bigint)`);
    await confirmSharedSecret(tx, sealKey, 'leaves', auditKey);
  });
}

/**
 * Refuses to start a process given another ONBEHALF_SECRET than the first process of this
 * database, whether its session-signing key comes from the database or from the environment
 * (`SESSION_SIGNING_JWK`): a text sealed by the first, which only the same secret opens, made
 * from the database's signing key's secret where one was made before the text. Started with
 * another, a process would key its audit events and seal its mail apart from every other, and
 * nothing would say so until a verification reported its events as broken (found by a review).
 * A database from before the text is asked its signing keys, each sealed (its private part, or
 * its public half) by a process of that database: a secret none opens is refused. With none
 * (every process took its key from SESSION_SIGNING_JWK before keys were registered), its audit
 * trail is asked, keyed from its first event with the processes' secret. With nothing at all
 * to ask, a server records its secret; a command leaves that to its first keyed write (audit.ts),
 * and one that writes none to the others: a deploy's `pnpm db:migrate` run with another secret
 * must not lock every server out (reviews). Under the signing keys' lock, which a command's
 * write does not take: the record is an insert-if-absent, then compared.
 */
async function confirmSharedSecret(
  tx: PgTx,
  sealKey: Buffer,
  unasked: 'records' | 'leaves',
  auditKey?: Buffer,
): Promise<void> {
  const [check] = await tx.select().from(settings).where(eq(settings.key, SECRET_CHECK));
  if (check) {
    if (!secretMatchesCheck(sealKey, check.value)) throw anotherSecret();
    return;
  }
  const sealed = (await tx.select().from(signingKeys))
    .flatMap((key) => [key.sealedPrivateJwk, key.sealedPublicJwk])
    .filter((text): text is string => typeof text === 'string');
  if (sealed.length > 0 && !sealed.some((text) => unseal(sealKey, text) !== null)) {
    throw anotherSecretBefore('its session-signing keys');
  }
  if (sealed.length === 0) {
    const trail = auditKey ? await trailKeyedWith(tx, auditKey) : null;
    if (trail === false) throw anotherSecretBefore('its audit trail');
    if (trail === null && unasked === 'leaves') return;
  }
  // A command's first keyed write may have recorded another meanwhile (it takes no lock of
  // ours): the stored one decides.
  await recordSecretCheck(tx, sealKey);
}
