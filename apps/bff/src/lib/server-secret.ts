import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

/**
 * The server's own secret: 32 bytes from `ONBEHALF_SECRET` (base64url), else generated on first
 * start under `DATA_DIR/keys/` (readable by the owner only). It never goes in the database, so
 * a copy of the database cannot open what it seals. Each use gets its own key, derived with
 * HKDF, so one purpose's key says nothing about another's.
 */
export interface ServerSecret {
  /** AES-256-GCM key sealing the local outbox's messages. */
  outboxKey: Buffer;
  /** HMAC-SHA-256 key of the audit chain and its checkpoints. */
  auditKey: Buffer;
  /** AES-256-GCM key sealing the session-signing key where it is shared through PostgreSQL. */
  signingKeysKey: Buffer;
}

function derive(root: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), `onbehalf ${purpose}`, 32));
}

export function serverSecretFrom(root: Buffer): ServerSecret {
  if (root.length < 32) throw new Error('ONBEHALF_SECRET must hold at least 32 bytes');
  return {
    outboxKey: derive(root, 'outbox'),
    auditKey: derive(root, 'audit chain'),
    signingKeysKey: derive(root, 'signing keys'),
  };
}

/** Where a secret generated on first start is kept, readable by the owner only. */
export function serverSecretFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'server-secret');
}

export function loadServerSecret(dataDir: string, fromEnv?: string): ServerSecret {
  return loadOrMakeServerSecret(dataDir, fromEnv).secret;
}

/**
 * The server secret, and the text of the file this call made when it generated one (null when
 * it came from the environment or a file already there). Made exclusively: two processes or
 * commands starting at once on a fresh DATA_DIR both end up with the one that was written
 * first, never with one the other overwrote (a review).
 */
export function loadOrMakeServerSecret(
  dataDir: string,
  fromEnv?: string,
): { secret: ServerSecret; made: string | null } {
  if (fromEnv) return { secret: serverSecretFrom(Buffer.from(fromEnv, 'base64url')), made: null };
  const file = serverSecretFile(dataDir);
  const read = () => {
    const root = Buffer.from(readFileSync(file, 'utf8'), 'base64url');
    if (root.length < 32) {
      throw new Error(
        `${file} holds no whole secret (${root.length} bytes): restore it from a backup, or give ONBEHALF_SECRET the secret this database was started with`,
      );
    }
    return serverSecretFrom(root);
  };
  if (existsSync(file)) return { secret: read(), made: null };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const root = randomBytes(32).toString('base64url');
  // Written whole under a name of its own, then linked into place, which fails if another start
  // got there first: nobody ever reads a file half written, and none is left so by a crash.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, root, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
    return { secret: read(), made: null };
  } finally {
    rmSync(draft, { force: true });
  }
  chmodSync(file, 0o600);
  return { secret: serverSecretFrom(Buffer.from(root, 'base64url')), made: root };
}

const TAG_BYTES = 16;

/** Encrypts and authenticates a text: `iv.tag.ciphertext`, base64url. */
export function seal(key: Buffer, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** The text `seal` sealed with this key, or null when it was another key or was altered. */
export function unseal(key: Buffer, sealed: string): string | null {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !body) return null;
  try {
    // The whole 128-bit tag `seal` writes: a cut one would otherwise be checked as far as it goes.
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * The settings row that says which secret a database's processes and commands share: a text
 * sealed by the first to start, which only the same secret opens. Given another, a process or
 * a command would key its audit events and seal its mail apart from every other, and nothing
 * would say so until a verification reported its events as broken (found by reviews).
 */
export const SECRET_CHECK = 'server_secret_check';
const SECRET_CHECK_TEXT = 'onbehalf: the secret every process of this database shares';

/** The check to store, sealed with the secret's `signingKeysKey`. */
export function secretCheckFor(sealKey: Buffer): string {
  return seal(sealKey, SECRET_CHECK_TEXT);
}

/** Whether a stored check was sealed with this `signingKeysKey`. */
export function secretMatchesCheck(sealKey: Buffer, stored: unknown): boolean {
  return typeof stored === 'string' && unseal(sealKey, stored) === SECRET_CHECK_TEXT;
}

export function anotherSecret(): Error {
  return new Error(
    'This database was first started with another ONBEHALF_SECRET (its check, sealed with that secret, does not open with this one): every process and command must be given the same one (without the variable, the one generated in DATA_DIR/keys/server-secret).',
  );
}

/**
 * A database from before the check, whose own records were sealed or keyed with another
 * secret than this one: which secret is the right one is the operator's to say, by starting
 * with it.
 */
export function anotherSecretBefore(what: string): Error {
  return new Error(
    `This database, from before it recorded its ONBEHALF_SECRET, has ${what} sealed with another secret than this start's: start with the secret it ran with (ONBEHALF_SECRET, or DATA_DIR/keys/server-secret), and run \`pnpm audit:verify\` to see where the trail's keys change.`,
  );
}
