import { hash, randomFillSync, timingSafeEqual } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/**
 * Bytes from the CSPRNG, drawn from a 4 KiB buffer refilled in one call: a call into OpenSSL
 * per token cost more than the rest of minting it (Node caches randomUUID's bytes the same
 * way). Each slice is handed out once and turned into a string at once.
 */
function randomSlice(bytes: number): Buffer {
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return slice;
}

/** A secret with 256 bits from the CSPRNG, URL-safe. */
export function randomToken(): string {
  return randomSlice(32).toString('base64url');
}

/** Short random identifiers that are not secrets (public ids): 96 bits. */
export function randomId(): string {
  return randomSlice(12).toString('base64url');
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID (github.com/ulid/spec): 48 bits of milliseconds, then 80 random bits, in Crockford
 * base32, so ids sort by creation time. A row keyed by one lands on the last page of its
 * primary-key index, which is in memory, instead of on a random page that must be read and
 * rewritten (docs/decisions/009-performance.md). For ids that are not secrets.
 */
export function sortableId(now: number): string {
  let time = '';
  for (let i = 0, rest = now; i < 10; i++, rest = Math.floor(rest / 32)) {
    time = CROCKFORD[rest % 32] + time;
  }
  let random = '';
  let carry = 0;
  let bits = 0;
  for (const byte of randomSlice(10)) {
    carry = (carry << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      random += CROCKFORD[(carry >> bits) & 31];
    }
    carry &= (1 << bits) - 1;
  }
  return time + random;
}

export function sha256(value: string): string {
  // One-shot: no Hash object per call (half the time of createHash for short inputs).
  return hash('sha256', value, 'hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
