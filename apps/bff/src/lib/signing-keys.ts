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
  const { d: _secret, ...publicPart } = jwk;
  return { privateKey, kid, publicJwk: { ...publicPart, kid, alg: SIGNING_ALG, use: 'sig' } };
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
  if (fromEnv) return fromPrivateJwk(JSON.parse(fromEnv) as JWK);
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, 'session-signing.jwk.json');
  if (existsSync(file)) return fromPrivateJwk(JSON.parse(readFileSync(file, 'utf8')) as JWK);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { keys, privateJwk } = await generateSigningKeys();
  writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600 });
  chmodSync(file, 0o600);
  return keys;
}
