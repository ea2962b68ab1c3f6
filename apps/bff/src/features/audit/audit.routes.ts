import type { AuditFilters, AuditPage } from '@onbehalf/contracts/audit';
import { routes } from '@onbehalf/contracts/routes';
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import type { AppEnv } from '../../app-env.ts';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { verifyAuditChain } from '../../lib/audit-chain.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { recordRepeatable } from '../../lib/audit-repeats.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import type { Audience } from './audit.repo.ts';
import {
  type AuditPageJson,
  auditPageBody,
  exportAuditEvents,
  impersonationReport,
  listAuditEventsJson,
} from './audit.service.ts';

// Reading the trail is the acting person's business, never done on someone else's behalf.
const sysAccess = [requirePermission('audit:read')];
const teamAccess = [requirePermission('team:manage')];

const exportResponse = {
  200: {
    description: 'The filtered events, streamed',
    content: {
      'application/x-ndjson': { schema: { type: 'string' as const } },
      'text/csv': { schema: { type: 'string' as const } },
    },
  },
};

/** A team admin sees their own organization's events and nothing else. */
function teamScope(c: Context<AppEnv>): number {
  const profile = getAuth(c).profile;
  if (!profile) throw new AppError('profile_required');
  return profile.organizationId;
}

/**
 * A page whose events SQLite already serialised, sent as they are. The body is `auditPage`'s
 * JSON (audit.test.ts parses it with that schema), so it is typed as that JSON response.
 */
function pageResponse(c: Context<AppEnv>, page: AuditPageJson) {
  const response = c.newResponse(auditPageBody(page), 200, {
    'content-type': 'application/json',
  });
  return response as typeof response & TypedResponse<JSONParsed<AuditPage>, 200, 'json'>;
}

/**
 * Reading the trail is itself audited (SPEC §8b), repeats counted per reader and minute:
 * who looked, at what, and through which door.
 */
function auditRead(
  c: Context<AppEnv>,
  type: 'audit.read' | 'audit.exported',
  scope: 'sys' | 'team' | 'verify' | 'report',
  details: Record<string, unknown>,
) {
  const deps = c.get('deps');
  const auth = getAuth(c);
  recordRepeatable(
    deps.db,
    {
      type,
      at: deps.clock.now(),
      ...auditParty(auth),
      organizationId: scope === 'team' ? (auth.profile?.organizationId ?? null) : null,
      details: { scope, ...details },
    },
    scope,
    c.get('meta'),
  );
}

function streamExport(
  c: Context<AppEnv>,
  filters: AuditFilters,
  format: 'ndjson' | 'csv',
  audience: Audience,
) {
  const deps = c.get('deps');
  auditRead(c, 'audit.exported', audience === 'staff' ? 'sys' : 'team', { format, filters });
  const stamp = toIso(deps.clock.now()).slice(0, 10);
  return new Response(exportAuditEvents(deps, filters, format, audience), {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      'content-disposition': `attachment; filename="audit-events-${stamp}.${format}"`,
      'cache-control': 'no-store',
    },
  });
}

const sysList = routeOf(routes['audit.list'], { middleware: sysAccess });

const sysExport = routeOf(routes['audit.export'], {
  middleware: sysAccess,
  responses: exportResponse,
});

const sysVerify = routeOf(routes['audit.verify'], { middleware: sysAccess });

const sysImpersonation = routeOf(routes['audit.impersonation'], { middleware: sysAccess });

const teamList = routeOf(routes['audit.teamList'], { middleware: teamAccess });

const teamExport = routeOf(routes['audit.teamExport'], {
  middleware: teamAccess,
  responses: exportResponse,
});

const teamImpersonation = routeOf(routes['audit.teamImpersonation'], { middleware: teamAccess });

export const auditRoutes = createRouter()
  .openapi(sysList, (c) => {
    const { cursor, limit, ...filters } = c.req.valid('query');
    auditRead(c, 'audit.read', 'sys', { filters });
    return pageResponse(c, listAuditEventsJson(c.get('deps'), filters, cursor, limit));
  })
  .openapi(sysExport, (c) => {
    const { format, ...filters } = c.req.valid('query');
    return streamExport(c, filters, format, 'staff');
  })
  .openapi(sysVerify, async (c) => {
    auditRead(c, 'audit.read', 'verify', {});
    const { db, secret, auditAnchor } = c.get('deps');
    return c.json(await verifyAuditChain(db, secret.auditKey, auditAnchor.read()), 200);
  })
  .openapi(sysImpersonation, (c) => {
    const { id } = c.req.valid('param');
    auditRead(c, 'audit.read', 'report', { impersonationId: id });
    return c.json(impersonationReport(c.get('deps'), id), 200);
  })
  .openapi(teamList, (c) => {
    const { cursor, limit, ...filters } = c.req.valid('query');
    const scoped = { ...filters, organizationId: teamScope(c) };
    auditRead(c, 'audit.read', 'team', { filters });
    const page = listAuditEventsJson(c.get('deps'), scoped, cursor, limit, 'customer');
    return pageResponse(c, page);
  })
  .openapi(teamExport, (c) => {
    const { format, ...filters } = c.req.valid('query');
    return streamExport(c, { ...filters, organizationId: teamScope(c) }, format, 'customer');
  })
  .openapi(teamImpersonation, (c) => {
    const { id } = c.req.valid('param');
    const organizationId = teamScope(c);
    auditRead(c, 'audit.read', 'team', { impersonationId: id });
    return c.json(impersonationReport(c.get('deps'), id, organizationId), 200);
  });
