import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './errors.ts';

interface Rule {
  limiter: RateLimiterMemory;
  points: number;
}

function rule(points: number, durationSeconds: number): Rule {
  return { limiter: new RateLimiterMemory({ points, duration: durationSeconds }), points };
}

/**
 * Counts failures, not requests: a person who types the password right is never slowed down.
 * Keyed by account and address together (stops guessing one account) and by address alone
 * (stops spraying many accounts). See docs/decisions/005-rate-limits.md.
 */
export function createLimiters(enabled: boolean) {
  const signInAccount = rule(5, 15 * 60);
  const signInAddress = rule(50, 15 * 60);
  // Links and tokens carry 256-bit secrets; this only stops an address hammering them.
  const redeemAddress = rule(30, 15 * 60);
  // "Email me a link" counts every request, known address or not, so the limit reveals nothing.
  const emailLinkAccount = rule(3, 15 * 60);
  const emailLinkAddress = rule(10, 15 * 60);

  async function assertAllowed(checks: [Rule, string][]): Promise<void> {
    if (!enabled) return;
    let waitMs = 0;
    for (const [r, key] of checks) {
      const state = await r.limiter.get(key);
      if (state && state.consumedPoints >= r.points) waitMs = Math.max(waitMs, state.msBeforeNext);
    }
    if (waitMs > 0) {
      throw new AppError('rate_limited', {
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      });
    }
  }

  async function count(checks: [Rule, string][]): Promise<void> {
    if (!enabled) return;
    await Promise.all(
      checks.map(([r, key]) => r.limiter.consume(key).catch((res: RateLimiterRes) => res)),
    );
  }

  const signInKeys = (email: string, ip: string | null): [Rule, string][] => [
    [signInAccount, `${email}|${ip ?? '-'}`],
    [signInAddress, ip ?? '-'],
  ];

  return {
    enabled,
    assertSignInAllowed: (email: string, ip: string | null) => assertAllowed(signInKeys(email, ip)),
    recordSignInFailure: (email: string, ip: string | null) => count(signInKeys(email, ip)),
    /** Counts one "email me a link" request and refuses it past the limit. */
    takeEmailLinkRequest: async (email: string, ip: string | null) => {
      const keys: [Rule, string][] = [
        [emailLinkAccount, email],
        [emailLinkAddress, ip ?? '-'],
      ];
      await assertAllowed(keys);
      await count(keys);
    },
    assertRedeemAllowed: (ip: string | null) => assertAllowed([[redeemAddress, ip ?? '-']]),
    recordRedeemFailure: (ip: string | null) => count([[redeemAddress, ip ?? '-']]),
    clearSignInFailures: async (email: string, ip: string | null) => {
      if (enabled) await signInAccount.limiter.delete(`${email}|${ip ?? '-'}`);
    },
  };
}

export type Limiters = ReturnType<typeof createLimiters>;
