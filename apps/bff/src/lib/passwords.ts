import { availableParallelism } from 'node:os';
import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { Turns } from './at-once.ts';
import { AppError } from './errors.ts';

// The library exports Algorithm as a const enum, which isolated modules cannot read.
const ARGON2ID = 2 as Algorithm.Argon2id;

// OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
const options = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * Each hash holds 19 MiB and a core for about 10 ms while it runs. More hashes at once than
 * there are cores buys no throughput, only memory, so a burst of sign-ins waits its turn
 * instead of growing the process. One core is left to the event loop: with a hash on every
 * core, a burst of sign-ins slowed every other request the process served (on two cores, the
 * health route fell from about 4,700 to 1,800 answers a second, p99 from 10 to 20 ms). A
 * single core runs one hash at a time, beside the loop.
 */
export function hashesAtOnce(cores: number): number {
  return Math.max(1, cores - 1);
}

/**
 * The wait is bounded too (docs/decisions/026-password-hashes-take-turns.md): with
 * `WAITING_PER_HASH` per hash running at once already waiting (under a second of hashing),
 * one more is answered `503 server_busy` at once, so a flood of sign-ins from many addresses
 * neither queues without end nor delays every later sign-in behind work whose callers may have
 * gone.
 */
export const HASHING_AT_ONCE = hashesAtOnce(availableParallelism());
export const WAITING_PER_HASH = 64;

/** The hashes' turns; exported for tests, which hold them to fill the line. */
export const hashing = new Turns(HASHING_AT_ONCE, {
  maxWaiting: HASHING_AT_ONCE * WAITING_PER_HASH,
  // A caller gone while it waited is answered the same: nobody reads it, and its request's
  // log line says why it was not served.
  refuse: () => new AppError('server_busy', { retryAfterSeconds: 2 }),
});

/** `gone`: the request's signal; a hash still waiting when its client goes away is not made. */
export function hashPassword(password: string, gone?: AbortSignal): Promise<string> {
  return hashing.run(() => hash(password, options), gone);
}

// Verifying against this when the email is unknown keeps the response time the same.
let decoyHash: Promise<string> | undefined;

/** Made once and shared, so made for no one caller: one who leaves does not cancel it. */
function decoy(): Promise<string> {
  decoyHash ??= hashPassword('decoy password that matches nothing').catch((refused: unknown) => {
    // Refused while the server was busy: made again by the next caller, not cached refused.
    decoyHash = undefined;
    throw refused;
  });
  return decoyHash;
}

/**
 * Whether `password` is the one `storedHash` was made from; false for no hash, after the same
 * work. A stored hash that cannot be read is a mismatch; a hash refused its turn is not, and
 * is thrown (`server_busy`), so a busy server never counts as a wrong password; so is one
 * whose request went away (`gone`) while it waited.
 */
export async function verifyPassword(
  storedHash: string | null,
  password: string,
  gone?: AbortSignal,
): Promise<boolean> {
  const against = storedHash ?? (await decoy());
  const matches = await hashing.run(() => verify(against, password).catch(() => false), gone);
  return storedHash !== null && matches;
}
