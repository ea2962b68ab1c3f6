import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { errorBody } from '@onbehalf/contracts/errors';
import type { RouteContract } from '@onbehalf/contracts/routes';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { sameSiteOnly } from '../middleware/cross-site.ts';
import {
  notAfterImpersonationEnded,
  notForAnotherSession,
  notWhileImpersonating,
  ownSessionOnly,
} from '../middleware/require-permission.ts';

type RouteParameter = NonNullable<NonNullable<RouteConfig['request']>['params']>;

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/**
 * A query or body refuses fields its contract does not name (`400 validation_failed`, naming
 * each), rather than dropping them: a misspelt `delivery` or `?actorUserId=` would otherwise
 * go ahead on the defaults, or list everything (docs/decisions/042). The contracts' schemas stay
 * as they are for answers, which a client reads leniently.
 */
function noOtherFields<T extends z.ZodType>(schema: T): T {
  return (schema instanceof z.ZodObject ? schema.strict() : schema) as T;
}

/** A required JSON body: without `required`, a request with no body would skip validation. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

const errorDescriptions: Record<number, string> = {
  400: 'Invalid input',
  401: 'Not signed in, or the session has ended',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone: expired, used up or withdrawn',
  413: 'Body too large',
  421: 'This server does not answer for that host',
  422: 'Well-formed, but not possible on this server (e.g. test mode holds test people only)',
  429: 'Too many attempts; see Retry-After',
  503: 'A dependency (e.g. mail) is unavailable; try again later',
};

export const errorResponses = (...statuses: readonly (keyof typeof errorDescriptions)[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      jsonContent(errorBody, errorDescriptions[status] ?? 'Error'),
    ]),
  );

/** What a contract's request becomes in @hono/zod-openapi: its params, query and JSON body. */
type RequestOf<C extends RouteContract> = {
  [K in keyof C & ('params' | 'query' | 'body') as C[K] extends z.ZodType
    ? K
    : never]: K extends 'body'
    ? { content: { 'application/json': { schema: C[K] } }; required: true }
    : C[K];
};

type ResponsesOf<C extends RouteContract> = {
  [S in keyof C['responses'] & number]: {
    content: { 'application/json': { schema: NonNullable<C['responses'][S]> } };
    description: string;
  };
} & ReturnType<typeof errorResponses>;

/** The route @hono/zod-openapi sees, typed from the contract. */
export type RouteOf<C extends RouteContract, M, R = unknown> = {
  method: C['method'];
  path: C['path'];
  tags: string[];
  summary: string;
  middleware: M;
  request: RequestOf<C>;
  responses: ResponsesOf<C> & R;
};

const successDescriptions: Record<number, string> = {
  200: 'Done',
  201: 'Created',
  202: 'Accepted',
};

/**
 * What the table declares about requests from another site and sessions acting for someone
 * else, enforced on the route.
 */
function guardsOf(contract: RouteContract): MiddlewareHandler<AppEnv>[] {
  const guards: MiddlewareHandler<AppEnv>[] = [];
  // First: another site's request is refused before a guard below audits a refusal.
  if (contract.crossSite === 'refused') guards.push(sameSiteOnly);
  // Writes that need a caller (they answer 401), and the reads that hand out a credential;
  // the other routes never act as anyone.
  const write = contract.method !== 'get' && contract.errors.includes(401);
  const afterEnd = contract.afterImpersonationEnds ?? (write ? 'refused' : 'ownSession');
  // Both speak of a write that would be carried out in another name than the page meant: the
  // impersonation it came from has ended (the better-known case, said first), or another tab
  // changed the session behind it.
  if (afterEnd === 'refused') guards.push(notAfterImpersonationEnded, notForAnotherSession);
  if (contract.actingForSomeone === 'refused') guards.push(ownSessionOnly);
  if (contract.actingForSomeone === 'refusedWhileImpersonating') {
    guards.push(notWhileImpersonating);
  }
  return guards;
}

/**
 * A route of the table (`@onbehalf/contracts/routes`) as @hono/zod-openapi builds it: the
 * contract's method, path, summary, input and answers, and what only the server knows — its
 * middleware, a longer description, or answers that are not JSON (a download).
 */
export function routeOf<
  const C extends RouteContract,
  const M extends MiddlewareHandler<AppEnv>[] = [],
  const R extends Record<number, unknown> = Record<never, never>,
>(
  contract: C,
  server: {
    middleware?: M;
    description?: string;
    /** Answers described by hand (a file download instead of JSON). */
    responses?: R;
  } = {},
) {
  const request: RouteConfig['request'] = {
    // The table's params and queries are all z.object (the library's RouteParameter).
    ...(contract.params ? { params: contract.params as RouteParameter } : {}),
    ...(contract.query ? { query: noOtherFields(contract.query) as RouteParameter } : {}),
    ...(contract.body ? jsonBody(noOtherFields(contract.body)) : {}),
  };
  const success = Object.fromEntries(
    Object.entries(contract.responses).map(([status, schema]) => [
      status,
      jsonContent(schema as z.ZodType, successDescriptions[Number(status)] ?? 'Done'),
    ]),
  );
  const built = createRoute({
    method: contract.method,
    path: contract.path,
    tags: [...contract.tags],
    summary: contract.summary,
    ...(server.description ? { description: server.description } : {}),
    // First: the answer to a session acting for someone else is the same whatever it may do.
    middleware: [...guardsOf(contract), ...(server.middleware ?? [])],
    request,
    responses: {
      ...success,
      ...(server.responses ?? {}),
      ...errorResponses(...contract.errors),
    },
  });
  // The contract's own schemas, typed as they are in the table (createRoute cannot see
  // through the generic), so handlers get the validated input and typed answers.
  return built as unknown as RouteOf<C, M, R>;
}
