import { BlockList, isIPv4, isIPv6 } from 'node:net';
import {
  type IRateLimiterOptions,
  type RateLimiterAbstract,
  RateLimiterMemory,
} from 'rate-limiter-flexible';
import { AppError } from './errors.ts';

/**
 * Rate limits that stop guessing without locking people out (SPEC §8b, OWASP ASVS V2.2.1,
 * NIST 800-63B §5.2.2; docs/decisions/016-rate-limits.md). They count failures, never
 * successes, and only guesses: a real link that is used or expired is not a guess.
 *
 * - A per-account budget, whatever the address: 100 failed sign-ins an hour, then the account
 *   waits out the hour. Distributed guessing from rotating addresses meets it; nobody is exempt.
 * - Per account+address and per address: a few failures are free, then each further one must
 *   wait twice as long as the last (1 s, 2 s, … 60 s), and only far past that does a hard block
 *   come. A typo costs nothing; a script is slowed to a crawl long before it is blocked.
 * - Addresses are counted per IPv4 address or IPv6 /64 (one host holds a whole /64).
 * - `RATE_LIMIT_ALLOWLIST` (an office NAT, a punch-out gateway) skips the address-wide limits,
 *   never an account's own budget.
 * - Links and tokens: only unknown secrets count, per address. A hand-off exchange by the session
 *   it is bound to is never limited; a stranger's guesses count per session and per address.
 * - "Email me a link": the address asked for never gets a 429 because strangers asked: sends
 *   past its budget are dropped silently. The asking address may be told to slow down.
 *
 * The counters live in a rate-limiter-flexible store (memory for one process; the database's
 * when several share it).
 */

export interface Rule {
  /** Failures within the window before each further one must wait. */
  free: number;
  /** Failures within the window after which everything waits for the window to end. */
  block: number;
  windowSeconds: number;
  /** The longest a single slow-down wait may be. */
  maxDelaySeconds: number;
}

export const rules = {
  signInAccount: { free: 100, block: 100, windowSeconds: 3600, maxDelaySeconds: 0 },
  signInPair: { free: 5, block: 50, windowSeconds: 15 * 60, maxDelaySeconds: 60 },
  signInAddress: { free: 100, block: 1000, windowSeconds: 15 * 60, maxDelaySeconds: 60 },
  signInNetwork: { free: 1000, block: 5000, windowSeconds: 15 * 60, maxDelaySeconds: 60 },
  guessAddress: { free: 20, block: 200, windowSeconds: 15 * 60, maxDelaySeconds: 60 },
  guessSession: { free: 5, block: 50, windowSeconds: 15 * 60, maxDelaySeconds: 60 },
  emailLinkSends: { free: 3, block: 3, windowSeconds: 15 * 60, maxDelaySeconds: 0 },
  emailLinkAddress: { free: 10, block: 30, windowSeconds: 15 * 60, maxDelaySeconds: 60 },
  guestSessions: { free: 60, block: 120, windowSeconds: 3600, maxDelaySeconds: 60 },
  handoffRequests: { free: 60, block: 300, windowSeconds: 15 * 60, maxDelaySeconds: 60 },
  profileSwitches: { free: 60, block: 300, windowSeconds: 15 * 60, maxDelaySeconds: 60 },
} as const satisfies Record<string, Rule>;

type RuleName = keyof typeof rules;

/** Makes the store a rule counts in; memory unless the database's is given. */
export type StoreFactory = (options: IRateLimiterOptions) => RateLimiterAbstract;

const memoryStore: StoreFactory = (options) => new RateLimiterMemory(options);

/** An attempt's place in one rule's budget, taken before the attempt is made. */
interface Reservation {
  key: string;
  /** Failures in the window with this attempt's. */
  counted: number;
  /** Greater than 0: refused, and how long to wait. */
  waitMs: number;
  /** When the window this attempt was counted in ends (the store's clock, `Date.now()`). */
  windowEndsAt: number;
}

/**
 * One rule's counter and its slow-down. `failures` counts within the window; `spacing` holds
 * the wait a key must sit out before its next attempt (a `block` of that many seconds).
 */
class FailureBudget {
  private readonly failures: RateLimiterAbstract;
  private readonly spacing: RateLimiterAbstract;

  constructor(
    name: string,
    private readonly rule: Rule,
    store: StoreFactory,
  ) {
    this.failures = store({
      keyPrefix: `${name}:f`,
      points: rule.block,
      duration: rule.windowSeconds,
    });
    this.spacing = store({
      keyPrefix: `${name}:s`,
      points: 1,
      duration: rule.maxDelaySeconds || 1,
    });
  }

  /** Counts a failure; past the free ones, the next attempt waits twice as long as the last. */
  async fail(key: string): Promise<number> {
    const counted = await this.failures.penalty(key, 1);
    await this.space(key, counted.consumedPoints);
    return counted.consumedPoints;
  }

  /**
   * Counts this attempt as a failure before the work it limits, in one step of the store, so
   * that attempts sent at once cannot pass the hard stop together: the count is given back
   * (`giveBack`) if the attempt succeeds, and made a failure's (`settle`) if it fails. Refused
   * (the budget spent, or the wait the last failure set not over), nothing is counted and the
   * wait comes back. Attempts already under way are not held back past the free ones: until it
   * is checked, a right password or a real link looks like a guess, and many sent at once (an
   * office, a QA suite's workers) must not refuse each other.
   */
  async reserve(key: string): Promise<Reservation> {
    const counted = await this.failures.penalty(key, 1);
    const place = {
      key,
      counted: counted.consumedPoints,
      waitMs: 0,
      windowEndsAt: Date.now() + counted.msBeforeNext,
    };
    if (place.counted > this.rule.block) {
      await this.failures.reward(key, 1);
      return { ...place, waitMs: Math.max(counted.msBeforeNext, 1) };
    }
    if (place.counted > this.rule.free && this.rule.maxDelaySeconds > 0) {
      const spaced = await this.spacing.get(key);
      if (spaced && spaced.msBeforeNext > 0 && spaced.consumedPoints > 1) {
        await this.failures.reward(key, 1);
        return { ...place, waitMs: spaced.msBeforeNext };
      }
    }
    return place;
  }

  /** A reserved attempt failed: it stays counted, and past the free ones sets the next wait. */
  async settle(place: Reservation): Promise<void> {
    await this.space(place.key, place.counted);
  }

  /**
   * A reserved attempt succeeded, or was not made: its count is given back, while the window it
   * was counted in lasts. After, the count went with the window, and a reward would start the
   * next one below zero: free failures for whoever held attempts open across the hour.
   */
  async giveBack(place: Reservation): Promise<void> {
    if (Date.now() < place.windowEndsAt) await this.failures.reward(place.key, 1);
  }

  private async space(key: string, counted: number): Promise<void> {
    const beyond = counted - this.rule.free;
    if (beyond > 0 && this.rule.maxDelaySeconds > 0) {
      const delay = Math.min(2 ** (beyond - 1), this.rule.maxDelaySeconds);
      await this.spacing.block(key, delay);
    }
  }

  async clear(key: string): Promise<void> {
    await Promise.all([this.failures.delete(key), this.spacing.delete(key)]);
  }
}

/**
 * The key an address is counted under: an IPv4 address as it is, an IPv6 address by its /64
 * (an IPv4 address mapped into IPv6, or passed on by a NAT64 translator, counts as the IPv4
 * one: behind a translator every IPv4 client shares one /64, review). No address (in-process
 * tests, a proxy that sent none): one shared key.
 */
export function addressKey(ip: string | null): string {
  if (!ip) return '-';
  const embedded = embeddedIPv4(ip);
  if (embedded) return embedded;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip.slice(0, 64);
  return ipv6Prefix(ip, 4);
}

/**
 * The network an IPv6 address is counted in as well, its /48 (what one site or customer is
 * commonly given): one holder of it has 65,536 /64s, each with budgets of its own. Null for
 * IPv4, whose addresses are scarce enough to count one by one.
 */
export function networkKey(ip: string | null): string | null {
  if (!ip || !isIPv6(ip) || embeddedIPv4(ip)) return null;
  return ipv6Prefix(ip, 3);
}

/** The first `groups` groups of an IPv6 address, written one way: `2001:db8:0::/48`. */
function ipv6Prefix(ip: string, groups: 3 | 4): string {
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const all = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${all
    .slice(0, groups)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/${groups * 16}`;
}

/**
 * The widest network an allowlist entry may name (ADR 044): a /8 of IPv4 (the widest private
 * range, 10.0.0.0/8) and a /48 of IPv6 (a site's). Anything wider exempts
 * swathes of the internet, and `0.0.0.0/0` or `::/0` every address, from the limits that slow a
 * guesser down: the account budget alone would be left.
 */
export const WIDEST_ALLOWLISTED = { ipv4: 8, ipv6: 48 } as const;

/**
 * IPv6 networks whose last 32 bits are an IPv4 address: `::ffff:0:0/96`, where IPv6 writes IPv4
 * addresses (Node's BlockList matches IPv4 against it), and `64:ff9b::/96`, where a stateless
 * translator (NAT64, SIIT) puts every IPv4 client it passes on (RFC 6052).
 */
const IPV4_IN_IPV6 = [
  { network: 0xffffn << 32n, length: 96, holds: 'IPv4-mapped addresses (::ffff:0:0/96)' },
  {
    network: 0x64ff9bn << 96n,
    length: 96,
    holds: 'translated IPv4 addresses (NAT64, 64:ff9b::/96)',
  },
  // RFC 8215's network for translators of one's own, which put IPv4 at other places in it.
  {
    network: 0x64ff9b0001n << 80n,
    length: 48,
    holds: 'translated IPv4 addresses (NAT64, 64:ff9b:1::/48)',
  },
] as const;

/** The IPv4 address an IPv6 one carries in its last 32 bits (`::ffff:0:0/96`, `64:ff9b::/96`). */
function embeddedIPv4(ip: string): string | null {
  if (!isIPv6(ip)) return null;
  const bits = addressBits(ip, 'ipv6');
  if (!IPV4_IN_IPV6.some((embed) => embed.length === 96 && bits >> 32n === embed.network >> 32n)) {
    return null;
  }
  return [24n, 16n, 8n, 0n].map((shift) => (bits >> shift) & 255n).join('.');
}

/** An address as one number: 32 bits for IPv4, 128 for IPv6 (an IPv4 tail taken as two groups). */
function addressBits(address: string, type: 'ipv4' | 'ipv6'): bigint {
  if (type === 'ipv4')
    return address.split('.').reduce((n, octet) => (n << 8n) | BigInt(octet), 0n);
  const plain = address.replace(/%.*$/, '');
  // Bounded: an unbounded `\d+` backtracked for 600 ms over 16,000 digits (unreachable today:
  // the address passed isIPv6 first).
  const dotted = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(plain)?.[1];
  const hex = dotted
    ? plain.replace(
        dotted,
        addressBits(dotted, 'ipv4')
          .toString(16)
          .padStart(8, '0')
          .replace(/^(.{4})/, '$1:'),
      )
    : plain;
  const [head = '', tail] = hex.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, group) => (n << 16n) | BigInt(`0x${group}`), 0n);
}

/** The network of a prefix, written as an address: `10.0.0.0`, `2001:db8::`. */
function networkAddress(bits: bigint, type: 'ipv4' | 'ipv6'): string {
  if (type === 'ipv4') return [24n, 16n, 8n, 0n].map((shift) => (bits >> shift) & 255n).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (bits >> BigInt(112 - 16 * i)) & 0xffffn);
  // The longest run of zero groups (two or more) is written `::` (RFC 5952).
  let [start, length] = [-1, 1];
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > length) [start, length] = [i, j - i];
  }
  const hex = groups.map((g) => g.toString(16));
  if (start === -1) return hex.join(':');
  return `${hex.slice(0, start).join(':')}::${hex.slice(start + length).join(':')}`;
}

/**
 * `RATE_LIMIT_ALLOWLIST`: comma-separated addresses or CIDRs, IPv4 or IPv6. Anything else is
 * refused at start (loadEnv), naming the entry, as each of these would exempt other addresses
 * than meant: a prefix misread (`203.0.113.7/` read as /0, found by a review), a network wider
 * than WIDEST_ALLOWLISTED, or an address with bits past its prefix (`10.0.0.1/8`: a typo for
 * 10.0.0.1/32, or 10.0.0.0/8? the reason names the network it would be).
 */
export function parseAllowlist(text: string): BlockList {
  const list = new BlockList();
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [, address = '', bits] = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry) ?? [];
    const type = isIPv6(address) ? 'ipv6' : isIPv4(address) ? 'ipv4' : null;
    const most = type === 'ipv6' ? 128 : 32;
    if (!type || (bits !== undefined && Number(bits) > most)) {
      const separated = /[;\s]/.test(entry) ? '; entries are separated by commas' : '';
      throw new Error(
        `"${entry}" is not an address or a CIDR (an address, "/" and a prefix of 0 to ${most} bits)${separated}`,
      );
    }
    // An IPv4 client written mapped or passed on by NAT64 is checked as its IPv4 address
    // (`allowlisted`), so an entry naming one in those networks is taken as that IPv4 one: as
    // written it would never match (a review).
    const carried = type === 'ipv6' ? embeddedIPv4(address) : null;
    if (bits === undefined) {
      if (carried) list.addAddress(carried, 'ipv4');
      else list.addAddress(address, type);
      continue;
    }
    const prefix = Number(bits);
    const widest = WIDEST_ALLOWLISTED[type];
    if (prefix < widest) {
      throw new Error(
        `"${entry}" would exempt ${prefix === 0 ? 'every address' : `a /${prefix} of addresses`} from the address-wide rate limits: name the networks of the office or gateway, at most a /${widest} of ${type === 'ipv4' ? 'IPv4' : 'IPv6'}`,
      );
    }
    const hostBits = BigInt(most - prefix);
    const network = (addressBits(address, type) >> hostBits) << hostBits;
    if (network !== addressBits(address, type)) {
      throw new Error(
        `"${entry}" has bits set past its /${prefix} prefix: write the network, ${networkAddress(network, type)}/${prefix}, or the address alone`,
      );
    }
    // An IPv6 network holding IPv4 addresses names them, under IPv4's rule: `::ffff:0:0/96`,
    // or `::/48` around it, would exempt every IPv4 client (a review), and `64:ff9b::/96` every
    // one a translator passes on.
    if (type === 'ipv6') {
      const v4prefix = prefix - 96;
      const holding = IPV4_IN_IPV6.find((embed) => {
        const span = BigInt(128 - Math.min(prefix, embed.length));
        return network >> span === embed.network >> span;
      });
      if (holding && v4prefix < WIDEST_ALLOWLISTED.ipv4) {
        throw new Error(
          `"${entry}" holds ${holding.holds} and would exempt ${v4prefix <= 0 ? 'every IPv4 address' : `a /${v4prefix} of IPv4 addresses`} from the address-wide rate limits: name the IPv4 networks themselves, at most a /${WIDEST_ALLOWLISTED.ipv4}`,
        );
      }
    }
    if (carried && prefix >= 96) list.addSubnet(carried, prefix - 96, 'ipv4');
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

/** Whether the client at `ip` is on the allowlist (RATE_LIMIT_ALLOWLIST, `parseAllowlist`). */
export function allowlisted(list: BlockList, ip: string | null): boolean {
  if (!ip) return false;
  // An IPv4 client written mapped, or passed on by a NAT64 translator, is its IPv4 address: an
  // office's IPv4 network exempts it either way (review).
  const address = embeddedIPv4(ip) ?? ip;
  if (isIPv4(address)) return list.check(address, 'ipv4');
  return isIPv6(address) && list.check(address, 'ipv6');
}

function refuse(waitMs: number): never {
  throw new AppError('rate_limited', { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) });
}

export function createLimiters(options: {
  enabled: boolean;
  allowlist?: string;
  store?: StoreFactory;
  /** Told about every refusal, for the metrics. */
  onRefused?: (rule: RuleName) => void;
}) {
  const { enabled } = options;
  const store = options.store ?? memoryStore;
  const allow = parseAllowlist(options.allowlist ?? '');
  const budget = Object.fromEntries(
    Object.entries(rules).map(([name, rule]) => [name, new FailureBudget(name, rule, store)]),
  ) as Record<RuleName, FailureBudget>;

  /** The checks that apply to this address: address-wide ones are skipped when allowlisted. */
  const applies = (ip: string | null, checks: [RuleName, string, 'address' | 'own'][]) =>
    checks.filter(([, , scope]) => scope === 'own' || !allowlisted(allow, ip));

  /**
   * Takes an attempt's place in every budget that applies before it is made (`reserve`): all
   * of them, or none and a 429 with the longest wait. What comes back settles them once the
   * attempt is decided.
   */
  async function reserveAll(ip: string | null, checks: [RuleName, string, 'address' | 'own'][]) {
    const taken = applies(ip, checks).map(([name, key]) => ({
      name,
      place: budget[name].reserve(key),
    }));
    const settled = await Promise.allSettled(taken.map(({ place }) => place));
    const places = taken.flatMap(({ name }, i) => {
      const outcome = settled[i];
      return outcome?.status === 'fulfilled' ? [{ name, place: outcome.value }] : [];
    });
    const giveBack = (all: typeof places) =>
      Promise.all(all.map(({ name, place }) => budget[name].giveBack(place)));
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      await giveBack(places.filter(({ place }) => place.waitMs === 0)).catch(() => undefined);
      throw failed.reason;
    }
    const refusals = places.filter(({ place }) => place.waitMs > 0);
    const refusal = refusals.sort((a, b) => b.place.waitMs - a.place.waitMs)[0];
    if (refusal) {
      await giveBack(places.filter(({ place }) => place.waitMs === 0));
      options.onRefused?.(refusal.name);
      refuse(refusal.place.waitMs);
    }
    return {
      failed: () => Promise.all(places.map(({ name, place }) => budget[name].settle(place))),
      /** Each count given back; `clearing` rules forget every failure of their key as well. */
      givenBack: (clearing: RuleName[] = []) =>
        Promise.all(
          places.map(({ name, place }) =>
            clearing.includes(name) ? budget[name].clear(place.key) : budget[name].giveBack(place),
          ),
        ),
    };
  }

  /**
   * Makes an attempt (`attempt`) with its place taken first in every budget of `checks`: kept
   * as a failure when `failed` says so of its result, given back otherwise (`clearing` rules
   * forgetting their key's failures as well), and given back when the attempt throws, since it
   * was then not made (the line of password checks full, the client gone, the store away).
   */
  async function attempted<T>(
    ip: string | null,
    checks: [RuleName, string, 'address' | 'own'][],
    attempt: () => Promise<T>,
    failed: (result: T) => boolean,
    clearing: RuleName[] = [],
  ): Promise<T> {
    if (!enabled) return attempt();
    const reserved = await reserveAll(ip, checks);
    let result: T;
    try {
      result = await attempt();
    } catch (error) {
      await reserved.givenBack();
      throw error;
    }
    await (failed(result) ? reserved.failed() : reserved.givenBack(clearing));
    return result;
  }

  const signInChecks = (
    email: string,
    ip: string | null,
  ): [RuleName, string, 'address' | 'own'][] => {
    const network = networkKey(ip);
    return [
      ['signInAccount', email, 'own'],
      ['signInPair', `${email}|${addressKey(ip)}`, 'own'],
      ['signInAddress', addressKey(ip), 'address'],
      // Each password check is a hash on a line every sign-in shares (ADR 026): the /64s of one
      // IPv6 network, each below its own budget, kept it full for everyone (found by a review).
      ...(network ? [['signInNetwork', network, 'address'] as [RuleName, string, 'address']] : []),
    ];
  };
  const guessChecks = (ip: string | null): [RuleName, string, 'address' | 'own'][] => [
    ['guessAddress', addressKey(ip), 'address'],
  ];

  return {
    enabled,
    /**
     * A password check (a sign-in, or a password change checking the current one) counted in
     * the account's, the account+address pair's and the address's budgets before it runs. A
     * failure keeps its count; a success gives the account's and the address's back and clears
     * what this address owed for this account, nothing else.
     */
    checkingPassword: <T>(
      email: string,
      ip: string | null,
      check: () => Promise<T>,
      failed: (result: T) => boolean,
    ) => attempted(ip, signInChecks(email, ip), check, failed, ['signInPair']),
    /**
     * "Email me a link": the asking address may be told to slow down; the address asked for
     * never is. Returns whether to send (false: this address got enough links lately).
     */
    admitEmailLinkRequest: async (email: string, ip: string | null): Promise<boolean> => {
      if (!enabled) return true;
      // Every request counts, so its place is taken and kept at once: requests sent together
      // cannot pass the hard stop.
      await (await reserveAll(ip, [['emailLinkAddress', addressKey(ip), 'address']])).failed();
      const sends = await budget.emailLinkSends.fail(email);
      return sends <= rules.emailLinkSends.free;
    },
    /**
     * Looks a presented secret up (a link, a token, the metrics token) with its place in the
     * address's guess budget taken first, so guesses sent at once cannot pass its hard stop
     * (429 past it, before anything is looked at); the place is kept if what was found makes
     * it a guess (an unknown secret), and given back otherwise: a real credential that is used
     * or expired is no guess.
     */
    guessing: <T>(ip: string | null, lookUp: () => Promise<T>, isGuess: (found: T) => boolean) =>
      attempted(ip, guessChecks(ip), lookUp, isGuess),
    /**
     * A guest session opened by a reusable anonymous token, counted per token and address (a
     * /64) whether or not it opens: nothing else bounds how many one holder opens (a guest has
     * no person whose cap of live sessions would), and each is a row. Slowed down past 60 in an
     * hour, refused past 120; an allowlisted address (a kiosk's, a shop's proxy) is not counted.
     */
    openingGuestSession: <T>(tokenId: number, ip: string | null, open: () => Promise<T>) =>
      attempted(
        ip,
        [['guestSessions', `${tokenId}|${addressKey(ip)}`, 'address']],
        open,
        () => true,
      ),
    /**
     * A write a signed-in person asks for that leaves rows whatever comes of it (a hand-off
     * asked for: an impersonation row and its events; a profile switch: a session and its
     * event), counted per person: slowed down far past what people do, so one account cannot
     * write them as fast as the server answers (found by a review). Not exempt by the allowlist:
     * the budget is the person's.
     */
    personWrite: <T>(
      rule: 'handoffRequests' | 'profileSwitches',
      userId: number,
      write: () => Promise<T>,
    ) => attempted(null, [[rule, String(userId), 'own']], write, () => true),
    /**
     * A hand-off token not bound to this session (or none at all): this session guessed,
     * counted per session and per address in one step (429 past either budget).
     */
    countExchangeGuess: async (sessionId: string, ip: string | null) => {
      if (!enabled) return;
      await (
        await reserveAll(ip, [['guessSession', sessionId, 'own'], ...guessChecks(ip)])
      ).failed();
    },
  };
}

export type Limiters = ReturnType<typeof createLimiters>;
