import { randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { errorCatalogue } from '@onbehalf/contracts/errors';
import { routes as routeTable } from '@onbehalf/contracts/routes';
import { TEST_CLOCK_HEADER, TEST_CLOCK_MAX_LENGTH } from '@onbehalf/contracts/test-mode';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { apiRoutes, openApiDocument } from './api.ts';
import type { AppDeps, AppEnv } from './app-env.ts';
import { metricsRoutes } from './features/metrics/metrics.routes.ts';
import { testModeRoutes } from './features/test-mode/test-mode.routes.ts';
import { errorPage, isPageNavigation } from './http/error-page.ts';
import { forwardedAddress } from './http/forwarded-address.ts';
import { mountPortal } from './http/portal-static.ts';
import { createRouter } from './http/router.ts';
import { carriesBearerToken, clearSessionCookie } from './http/session-cookie.ts';
import { AppError, databaseDidNotAnswer } from './lib/errors.ts';
import { rejectForeignHosts } from './middleware/allowed-hosts.ts';
import { rejectCrossSite } from './middleware/cross-site.ts';
import { attributeImpersonatedRequests } from './middleware/impersonation-log.ts';
import { readBody } from './middleware/read-body.ts';
import { observeRequests } from './middleware/request-log.ts';
import { requireJsonBody } from './middleware/require-json.ts';
import { resolveSession } from './middleware/session.ts';
import { databaseRefusal } from './store/database-refusals.ts';
import { isDatabaseUnavailable } from './store/postgres/faults.ts';

const MAX_BODY_BYTES = 64 * 1024;

function socketAddress(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // in-process requests (tests) have no socket
  }
}

/**
 * The client's address. Behind N trusted proxies, each appended the address it received the
 * request from, so the client is the N-th entry from the right; anything further left was
 * written by the client and is not believed. The entry is read in one form per address (no
 * port, one spelling: `forwardedAddress`); one that is no address counts as the proxy's own.
 */
export function clientAddress(c: Context, trustedProxies: number): string | null {
  if (trustedProxies > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const client = hops[hops.length - trustedProxies];
    const address = client ? forwardedAddress(client) : null;
    if (address) return address;
  }
  return socketAddress(c);
}

function errorResponse(c: Context<AppEnv>, error: AppError) {
  c.set('errorCode', error.code);
  if (error.retryAfterSeconds) c.header('Retry-After', String(error.retryAfterSeconds));
  if (error.code === 'session_expired' || error.code === 'unauthenticated') {
    // A dead cookie would otherwise be sent, and refused, on every request.
    if (c.get('auth') === null && c.get('authFailure')) clearSessionCookie(c, c.get('deps').env);
  }
  if (isPageNavigation(c.req.header('sec-fetch-dest'))) {
    return c.html(errorPage(error), error.status as ContentfulStatusCode);
  }
  const body = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.issues ? { issues: error.issues } : {}),
    },
  };
  return c.json(body, error.status as ContentfulStatusCode);
}

/** Maps framework exceptions onto the catalogue, so every error has the same shape. */
function fromHttpException(error: HTTPException): AppError {
  if (error.status === 400 && /json/i.test(error.message)) return new AppError('malformed_json');
  if (error.status === 413) return new AppError('payload_too_large');
  if (error.status === 403) return new AppError('csrf_rejected');
  if (error.status === 401) return new AppError('unauthenticated');
  if (error.status === 404) return new AppError('not_found');
  if (error.status === 415) return new AppError('unsupported_media_type');
  return new AppError('validation_failed', { message: error.message || undefined });
}

/**
 * The API routes a HEAD is answered on: the health checks, and the audit exports, which answer
 * it with the download's headers and read nothing (features/audit/audit.routes.ts).
 */
const HEAD_ANSWERED: ReadonlySet<string> = new Set(
  (['health.live', 'health.ready', 'audit.export', 'audit.teamExport'] as const).map(
    (name) => routeTable[name].path,
  ),
);

/**
 * Hono answers a HEAD with the GET's handler, and some GETs act: a hand-off token is issued, a
 * read of the trail or the outbox audited, an ended impersonation's cookie cleared. Link
 * checkers and prefetchers send HEAD to URLs they see, so elsewhere in the API it is `405`
 * and nothing is done.
 */
const headOnlyWhereNothingIsDone: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === 'HEAD' && !HEAD_ANSWERED.has(c.req.path)) {
    c.header('Allow', 'GET');
    throw new AppError('method_not_allowed');
  }
  await next();
};

export function createApp(
  deps: AppDeps,
  options: {
    portalDir?: string;
    /** The OpenAPI document as `pnpm build` wrote it; without it, built at the first request. */
    openApiDocument?: () => string | Promise<string>;
  } = {},
) {
  const { env } = deps;
  const app = createRouter();

  // The server names every request; a client's X-Request-Id is kept apart, for logs only, and
  // never becomes the id the audit trail records (SPEC §8b).
  app.use('*', requestId({ headerName: '', generator: () => randomUUID() }));
  app.use('*', async (c, next) => {
    c.header('X-Request-Id', c.get('requestId'));
    await next();
  });
  app.use('*', observeRequests(deps));
  // Outside everything that reads or writes, so it waits for whatever the request read or
  // wrote: nothing is answered before the commit that holds it (store/sqlite/commit-groups.ts).
  app.use('/api/*', async (_c, next) => {
    await next();
    await deps.commitGroups?.pending();
  });
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('meta', {
      ip: clientAddress(c, env.TRUST_PROXY),
      userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
      requestId: c.get('requestId'),
      clientRequestId: c.req.header('x-request-id')?.slice(0, 128) ?? null,
    });
    c.set('auth', null);
    c.set('apiKey', null);
    c.set('authFailure', null);
    c.set('impersonationEnded', null);
    await next();
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      // Nothing of the portal's uses these; a script that got in could not either. (An empty
      // list, `camera=()`: Hono writes `false` as `camera=none`, which browsers do not parse.)
      permissionsPolicy: {
        camera: [],
        microphone: [],
        geolocation: [],
        payment: [],
        usb: [],
        displayCapture: [],
        publickeyCredentialsGet: [],
        // Not among the names Hono's types list; it writes every name it is given, kebab-cased
        // (the header's test says so).
        ...({ publickeyCredentialsCreate: [] } as object),
      },
      strictTransportSecurity: env.isProduction ? 'max-age=31536000; includeSubDomains' : false,
    }),
  );
  // Before any work for the request: a foreign Host is answered 421 and nothing else.
  app.use('*', rejectForeignHosts(env));
  // Test mode: every request runs on its test's own clock (see lib/clock.ts). After the request
  // is named, logged and its host checked, so that a refused clock is answered like any error.
  const clocks = deps.testClocks;
  if (clocks) {
    app.use('*', (c, next) => {
      const clock = c.req.header(TEST_CLOCK_HEADER) ?? '';
      // A clock's name is a key in the database: bounded, as any text a request brings.
      if (clock.length > TEST_CLOCK_MAX_LENGTH) {
        throw new AppError('validation_failed', {
          message: `${TEST_CLOCK_HEADER} is at most ${TEST_CLOCK_MAX_LENGTH} characters.`,
        });
      }
      return clocks.run(clock, next);
    });
  }
  app.use('/api/*', headOnlyWhereNothingIsDone);
  app.use('/api/*', async (c, next) => {
    // Identity data must never be cached by a browser or a proxy. Set before the handler runs:
    // a header added to a finished response makes Hono rebuild it as a stream.
    c.header('Cache-Control', 'no-store');
    await next();
  });
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new AppError('payload_too_large');
    },
  });
  app.use('/api/*', readBody(MAX_BODY_BYTES, limitBody));
  const csrfGuard = csrf({
    origin: (origin, c) => origin === env.PUBLIC_ORIGIN || origin === new URL(c.req.url).origin,
  });
  // Forgery needs an ambient credential: a request without cookies has none to abuse, and
  // one with a bearer token was built by code (browsers cannot add that header across sites
  // without a CORS preflight, which we never grant). Basic credentials are ambient: checked.
  app.use('/api/*', (c, next) =>
    c.req.header('cookie') && !carriesBearerToken(c) ? csrfGuard(c, next) : next(),
  );
  app.use('/api/*', rejectCrossSite());
  app.use('/api/*', requireJsonBody);
  app.use('/api/*', resolveSession);
  app.use('/api/*', attributeImpersonatedRequests);

  const routes = app.route('/', apiRoutes);

  // Built once and kept (the routes do not change while the process runs): `pnpm build` ships
  // it as a file; from the sources it is built at its first request (ADR 050).
  const documentOf = options.openApiDocument ?? (() => openApiDocument(env.testMode));
  let document: Promise<string> | undefined;
  app.get('/api/openapi.json', async (c) => {
    document ??= Promise.resolve().then(documentOf);
    return c.body(await document, 200, { 'content-type': 'application/json' });
  });

  // Test mode only (never in production: env.ts refuses it): /api/test/* for QA suites.
  if (env.testMode) app.route('/', testModeRoutes);

  // Not part of the typed API: a text exposition for Prometheus, behind its own bearer token.
  app.route('/', metricsRoutes);
  if (options.portalDir) mountPortal(app, options.portalDir);

  app.notFound((c) => errorResponse(c, new AppError('not_found')));
  app.onError((error, c) => {
    if (error instanceof AppError) return errorResponse(c, error);
    if (error instanceof HTTPException) return errorResponse(c, fromHttpException(error));
    const refused = databaseRefusal(error);
    if (refused) return errorResponse(c, refused);
    if (isDatabaseUnavailable(error)) {
      // PostgreSQL rolls back the transaction a lost connection leaves open: nothing half-written
      // remains, and trying again may work.
      deps.logger.warn(
        { err: error, requestId: c.get('requestId') },
        'the database is unreachable',
      );
      return errorResponse(c, databaseDidNotAnswer());
    }
    deps.logger.error({ err: error, requestId: c.get('requestId') }, 'unhandled error');
    return errorResponse(
      c,
      new AppError('internal_error', { message: errorCatalogue.internal_error.message }),
    );
  });

  return routes;
}

export type AppType = ReturnType<typeof createApp>;
