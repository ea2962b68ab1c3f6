import type { ErrorCode } from '@onbehalf/contracts/errors';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { HANDOFF_TTL_MS, MAX_IMPERSONATION_MINUTES } from '../domain/impersonation/policy.ts';
import type { Clock } from './clock.ts';
import type { HotCounters } from './hot-counters.ts';
import { sortableId } from './tokens.ts';

/** The credentials a request redeems, by the route that redeems them. */
const redemptionRoutes: ReadonlyMap<string, string> = new Map([
  ['/api/public/auth/one-click', 'one_click'],
  ['/api/public/auth/login-token', 'login_token'],
  ['/api/public/auth/login/:token', 'handoff'],
]);
const SIGN_IN_ROUTE = '/api/public/auth/sign-in';

/**
 * No impersonation runs longer than this after its id was drawn: a hand-off is exchanged within
 * its TTL, and the session then lasts at most the longest limit. A minute more for safety.
 */
const LONGEST_IMPERSONATION_MS = MAX_IMPERSONATION_MINUTES * 60_000 + HANDOFF_TTL_MS + 60_000;

/**
 * The smallest id an impersonation running at `now` can have. Ids are ULIDs, so
 * `id >= <this>` walks the primary-key index over those issued within the longest possible
 * impersonation only: the cost of counting is bounded by how many start in an hour, not by the
 * size of the history.
 */
export function runningImpersonationsFromId(now: number): string {
  return sortableId(now - LONGEST_IMPERSONATION_MS).slice(0, 10);
}

/** What /metrics reads from the store: each adapter gives its own (store/<dialect>/metrics.ts). */
export interface MetricsSources {
  /**
   * Impersonations started, not ended, and not past `ends_at` at `now` (those that expired
   * without anyone noticing yet are ended by housekeeping within a minute, or by their next
   * request). Read at scrape time.
   */
  runningImpersonations(now: number): Promise<number>;
  /** This process's counts taken on hot paths. */
  counters: HotCounters;
  /**
   * Audit events not yet in the full-text search index, where a store indexes them behind the
   * writes (SQLite, ADR 024). Grows only if indexing falls behind or fails.
   */
  auditSearchBacklog?(): Promise<number>;
}

export interface Metrics {
  /** This app's own registry (never prom-client's global one), exposed at GET /metrics. */
  readonly registry: Registry;
  /** One answered request (middleware/request-log.ts). */
  request(
    method: string,
    route: string,
    status: number,
    durationMs: number,
    code: ErrorCode | undefined,
  ): void;
  /** One group commit, and how many transactions it held (store/sqlite/commit-groups.ts). */
  commitGroup(transactions: number): void;
}

/**
 * Prometheus metrics (SPEC §8b). What a request costs is counted as it ends (about a
 * microsecond); what the database knows is read when scraped. Sign-in and redemption outcomes
 * are read from the route and the answer's error code, so the services carry no metrics code.
 */
export function createMetrics(options: {
  sources: MetricsSources;
  clock: Clock;
  /** Node's process metrics (heap, event loop delay, GC): the server's, not every test app's. */
  processMetrics?: boolean;
}): Metrics {
  const { sources, clock } = options;
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'onbehalf_http_requests_total',
    help: 'Requests answered, by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'onbehalf_http_request_duration_seconds',
    help: 'Time to answer, including the wait for the commit holding the request, by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const signIns = new Counter({
    name: 'onbehalf_sign_ins_total',
    help: 'Password sign-ins, by outcome: success or the error code',
    labelNames: ['outcome'] as const,
    registers,
  });
  const redemptions = new Counter({
    name: 'onbehalf_redemptions_total',
    help: 'Redemptions of one-click links, login tokens and hand-off tokens, by outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const rateLimited = new Counter({
    name: 'onbehalf_rate_limited_total',
    help: 'Requests refused by a rate limit (429 rate_limited), by route',
    labelNames: ['route'] as const,
    registers,
  });
  const commitGroups = new Histogram({
    name: 'onbehalf_commit_group_transactions',
    help: 'Transactions held by each group commit (one WAL sync each)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers,
  });
  new Counter({
    name: 'onbehalf_audit_appends_total',
    help: 'Audit events appended by this process (sum over instances for the service)',
    registers,
    collect() {
      this.reset();
      this.inc(sources.counters.auditAppends);
    },
  });
  new Gauge({
    name: 'onbehalf_impersonations_running',
    help: 'Impersonations started, not ended and not yet expired, read from the database: the same on every process (take the max over instances, not the sum)',
    registers,
    async collect() {
      this.set(await sources.runningImpersonations(clock.now()));
    },
  });
  const backlog = sources.auditSearchBacklog;
  if (backlog) {
    new Gauge({
      name: 'onbehalf_audit_search_backlog_events',
      help: 'Audit events not yet in the search index (a search indexes them first)',
      registers,
      async collect() {
        this.set(await backlog());
      },
    });
  }

  return {
    registry,
    request(method, route, status, durationMs, code) {
      requests.inc({ method, route, status });
      latency.observe({ method, route }, durationMs / 1000);
      if (code === 'rate_limited') rateLimited.inc({ route });
      if (method !== 'POST') return;
      const outcome = code ?? (status < 400 ? 'success' : `status_${status}`);
      if (route === SIGN_IN_ROUTE) signIns.inc({ outcome });
      else {
        const kind = redemptionRoutes.get(route);
        if (kind) redemptions.inc({ kind, outcome });
      }
    },
    commitGroup(transactions) {
      commitGroups.observe(transactions);
    },
  };
}
