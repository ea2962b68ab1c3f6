import { createHash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/**
 * Bytes from the CSPRNG, drawn from a 4 KiB buffer refilled in one call: a call into OpenSSL
 * per token cost more than the rest of minting it (Node caches randomUUID's bytes the same
 * way). Each slice is handed out once and turned into a string at once.
 */
function randomSlice(bytes: number): Buffer {
  if (bytes > POOL_BYTES) return randomBytes(bytes);
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return slice;
}

/** A secret with 256 bits from the CSPRNG, URL-safe. */
export function randomToken(bytes = 32): string {
  return randomSlice(bytes).toString('base64url');
}

/** Short random identifiers that are not secrets (public ids). */
export function randomId(bytes = 12): string {
  return randomSlice(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
