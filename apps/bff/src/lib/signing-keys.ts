import { createECDH } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';

export const SIGNING_ALG = 'ES256';

/** A public key as the JWKS publishes it. */
export type PublicJwk = JWK & { kid: string; alg: string; use: string };

export interface SigningKeys {
  privateKey: CryptoKey;
  publicJwk: PublicJwk;
  kid: string;
}

export async function fromPrivateJwk(jwk: JWK): Promise<SigningKeys> {
  const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk));
  const privateKey = (await importJWK(jwk, SIGNING_ALG)) as CryptoKey;
  // The public key and nothing of the private one's own marks (its `key_ops` say "sign").
  const { kty, crv, x, y } = jwk;
  return { privateKey, kid, publicJwk: { kty, crv, x, y, kid, alg: SIGNING_ALG, use: 'sig' } };
}

/**
 * `SESSION_SIGNING_JWK` as the server can sign with it: one private EC key on P-256, since
 * session JWTs are signed ES256. A public key alone, another kind of key, or a "d" of another
 * key than "x" and "y" would be published in the JWKS and then fail every session JWT with a
 * 500, so loadEnv refuses it at start. The text is a private key: no reason repeats any of it
 * (JSON.parse's own message quotes the text around the fault).
 */
export function parseSigningJwk(text: string): JWK {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('is not JSON: give the private JWK as one JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('is not a JSON object: give the private JWK as one JSON object');
  }
  const jwk = parsed as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') {
    throw new Error(
      `must be an EC key on the P-256 curve ("kty": "EC", "crv": "P-256"): session JWTs are signed ${SIGNING_ALG}`,
    );
  }
  if (typeof jwk.d !== 'string') {
    throw new Error(
      'has no private part ("d"): give the private key, not its public half, which cannot sign',
    );
  }
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new Error('lacks its public part ("x" and "y")');
  }
  if (jwk.alg !== undefined && jwk.alg !== SIGNING_ALG) {
    throw new Error(
      `is marked for another algorithm: its "alg" must be "${SIGNING_ALG}" or absent`,
    );
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new Error('is marked for another use: its "use" must be "sig" or absent');
  }
  // WebCrypto takes `key_ops` as the key's usages: anything but ["sign"] (["sign", "verify"],
  // a string, a duplicate) failed the import at boot, after DATA_DIR was made (reviews).
  if (
    jwk.key_ops !== undefined &&
    !(Array.isArray(jwk.key_ops) && jwk.key_ops.length === 1 && jwk.key_ops[0] === 'sign')
  ) {
    throw new Error(
      'is marked for more or less than signing: its "key_ops" must be ["sign"], or be absent',
    );
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) {
    throw new Error(
      'has a "kid" that is not a name: give a string, or none (its thumbprint is used)',
    );
  }
  let point: Buffer;
  let d: Buffer;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(jwk.d, 'base64url'));
    point = ecdh.getPublicKey();
    d = Buffer.concat([Buffer.alloc(32), ecdh.getPrivateKey()]).subarray(-32);
  } catch {
    throw new Error('has a "d" that is not a P-256 private key');
  }
  // Uncompressed: 0x04, then x and y of 32 bytes each, compared as bytes: a coordinate written
  // padded, or in standard base64, is the same key (and was taken before this check).
  const x = point.subarray(1, 33);
  const y = point.subarray(33);
  if (!x.equals(Buffer.from(jwk.x, 'base64url')) || !y.equals(Buffer.from(jwk.y, 'base64url'))) {
    throw new Error('has a "d" of another key than its "x" and "y"');
  }
  // The key as the server uses and publishes it: canonical base64url (a padded or junk-trailed
  // coordinate would be published as written, and give the same key another thumbprint), and
  // nothing WebCrypto could refuse at boot (`key_ops`, `ext`, `oth`).
  return {
    kty: 'EC',
    crv: 'P-256',
    x: x.toString('base64url'),
    y: y.toString('base64url'),
    d: d.toString('base64url'),
    ...(jwk.kid !== undefined ? { kid: jwk.kid } : {}),
  };
}

export async function generateSigningKeys(): Promise<{ keys: SigningKeys; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  privateJwk.kid = await calculateJwkThumbprint(privateJwk);
  return { keys: await fromPrivateJwk(privateJwk), privateJwk };
}

/**
 * The session-JWT signing key: from `SESSION_SIGNING_JWK` when given, else generated on first
 * start and kept under DATA_DIR (readable by the owner only) so tokens survive restarts.
 */
export async function loadSigningKeys(dataDir: string, fromEnv?: string): Promise<SigningKeys> {
  if (fromEnv) return fromPrivateJwk(parseSigningJwk(fromEnv));
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, 'session-signing.jwk.json');
  if (existsSync(file)) return fromPrivateJwk(JSON.parse(readFileSync(file, 'utf8')) as JWK);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { keys, privateJwk } = await generateSigningKeys();
  writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600 });
  chmodSync(file, 0o600);
  return keys;
}
