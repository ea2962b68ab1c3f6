import type { AuditFilters, AuditPage } from '@onbehalf/contracts/audit';
import { searchUnderOneName } from '@onbehalf/contracts/common';
import { routes } from '@onbehalf/contracts/routes';
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import type { AppEnv } from '../../app-env.ts';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import {
  type AuditPageJson,
  auditPageBody,
  exportAuditEvents,
  impersonationReport,
  listAuditEventsJson,
  recordAuditRead,
  takeExportTurn,
  verifyAuditTrail,
} from './audit.service.ts';
import type { Audience } from './audit.store.ts';

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

/** Reading the trail is itself on the record (SPEC §8b): who looked, at what, through which door. */
function auditRead(
  c: Context<AppEnv>,
  type: 'audit.read' | 'audit.exported',
  scope: 'sys' | 'team' | 'verify' | 'report',
  details: Record<string, unknown>,
) {
  return recordAuditRead(c.get('deps'), getAuth(c), type, scope, details, c.get('meta'));
}

async function streamExport(
  c: Context<AppEnv>,
  filters: AuditFilters,
  format: 'ndjson' | 'csv',
  audience: Audience,
) {
  const deps = c.get('deps');
  const stamp = toIso(deps.clock.now()).slice(0, 10);
  const headers = {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
    'content-disposition': `attachment; filename="audit-events-${stamp}.${format}"`,
    'cache-control': 'no-store',
  };
  // A HEAD (a download manager, a link checker) learns what the download is and nothing is
  // read: its body would never be read, so the export would hold its turn until cut off.
  if (c.req.method === 'HEAD') return new Response(null, { headers });
  // A team's exports take turns as the team's, an operator's as their own; refused before
  // anything is recorded as exported.
  const requester =
    audience === 'customer'
      ? `organization:${filters.organizationId}`
      : `staff:${getAuth(c).session.userId}`;
  const onEnd = takeExportTurn(deps, requester);
  try {
    await auditRead(c, 'audit.exported', audience === 'staff' ? 'sys' : 'team', {
      format,
      filters,
    });
  } catch (error) {
    onEnd();
    throw error;
  }
  return new Response(exportAuditEvents(deps, filters, format, audience, { onEnd }), {
    headers,
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
  .openapi(sysList, async (c) => {
    const { cursor, limit, ...filters } = searchUnderOneName(c.req.valid('query'), 'q');
    await auditRead(c, 'audit.read', 'sys', { filters });
    return pageResponse(c, await listAuditEventsJson(c.get('deps'), filters, cursor, limit));
  })
  .openapi(sysExport, (c) => {
    const { format, ...filters } = searchUnderOneName(c.req.valid('query'), 'q');
    return streamExport(c, filters, format, 'staff');
  })
  .openapi(sysVerify, async (c) => {
    await auditRead(c, 'audit.read', 'verify', {});
    return c.json(await verifyAuditTrail(c.get('deps')), 200);
  })
  .openapi(sysImpersonation, async (c) => {
    const { id } = c.req.valid('param');
    const page = c.req.valid('query');
    await auditRead(c, 'audit.read', 'report', { impersonationId: id });
    return c.json(await impersonationReport(c.get('deps'), id, page), 200);
  })
  .openapi(teamList, async (c) => {
    const { cursor, limit, ...filters } = searchUnderOneName(c.req.valid('query'), 'q');
    const scoped = { ...filters, organizationId: teamScope(c) };
    await auditRead(c, 'audit.read', 'team', { filters });
    const page = await listAuditEventsJson(c.get('deps'), scoped, cursor, limit, 'customer');
    return pageResponse(c, page);
  })
  .openapi(teamExport, (c) => {
    const { format, ...filters } = searchUnderOneName(c.req.valid('query'), 'q');
    return streamExport(c, { ...filters, organizationId: teamScope(c) }, format, 'customer');
  })
  .openapi(teamImpersonation, async (c) => {
    const { id } = c.req.valid('param');
    const page = c.req.valid('query');
    const organizationId = teamScope(c);
    await auditRead(c, 'audit.read', 'team', { impersonationId: id });
    return c.json(await impersonationReport(c.get('deps'), id, page, organizationId), 200);
  });
