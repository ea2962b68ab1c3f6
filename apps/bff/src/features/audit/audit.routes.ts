import { createRoute } from '@hono/zod-openapi';
import {
  type AuditFilters,
  type AuditPage,
  auditExportQuery,
  auditListQuery,
  auditPage,
  auditVerification,
  impersonationIdParam,
  impersonationReport as reportSchema,
} from '@onbehalf/contracts/audit';
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { verifyAuditChain } from '../../lib/audit-chain.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import {
  refuseWhileImpersonating,
  requirePermission,
} from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import {
  type AuditPageJson,
  auditPageBody,
  exportAuditEvents,
  impersonationReport,
  listAuditEventsJson,
} from './audit.service.ts';

const tags = ['Audit'];
// Reading the trail is the acting person's business, never done on someone else's behalf.
const sysAccess = [requirePermission('audit:read'), refuseWhileImpersonating];
const teamAccess = [requirePermission('team:manage'), refuseWhileImpersonating];

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

function streamExport(deps: AppDeps, filters: AuditFilters, format: 'ndjson' | 'csv') {
  const stamp = toIso(deps.clock.now()).slice(0, 10);
  return new Response(exportAuditEvents(deps, filters, format), {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      'content-disposition': `attachment; filename="audit-events-${stamp}.${format}"`,
      'cache-control': 'no-store',
    },
  });
}

const sysList = createRoute({
  method: 'get',
  path: '/api/sys/audit-events',
  tags,
  summary: 'Browse the audit trail: filters and a keyset cursor, newest first',
  middleware: sysAccess,
  request: { query: auditListQuery },
  responses: { 200: jsonContent(auditPage, 'A page of events'), ...errorResponses(400, 401, 403) },
});

const sysExport = createRoute({
  method: 'get',
  path: '/api/sys/audit-events/export',
  tags,
  summary: 'Export the filtered audit trail as NDJSON or CSV (streamed)',
  middleware: sysAccess,
  request: { query: auditExportQuery },
  responses: { ...exportResponse, ...errorResponses(400, 401, 403) },
});

const sysVerify = createRoute({
  method: 'get',
  path: '/api/sys/audit-events/verify',
  tags,
  summary: 'Check the hash chain: intact, or the first event that breaks it',
  middleware: sysAccess,
  responses: { 200: jsonContent(auditVerification, 'Verification'), ...errorResponses(401, 403) },
});

const sysImpersonation = createRoute({
  method: 'get',
  path: '/api/sys/impersonations/{id}',
  tags,
  summary: 'One impersonation: start, end, reason and every action taken during it',
  middleware: sysAccess,
  request: { params: impersonationIdParam },
  responses: { 200: jsonContent(reportSchema, 'Report'), ...errorResponses(401, 403, 404) },
});

const teamList = createRoute({
  method: 'get',
  path: '/api/public/team/audit-events',
  tags,
  summary: "The team's audit trail (the active organization's events only)",
  middleware: teamAccess,
  request: { query: auditListQuery },
  responses: { 200: jsonContent(auditPage, 'A page of events'), ...errorResponses(400, 401, 403) },
});

const teamExport = createRoute({
  method: 'get',
  path: '/api/public/team/audit-events/export',
  tags,
  summary: "Export the team's audit trail as NDJSON or CSV",
  middleware: teamAccess,
  request: { query: auditExportQuery },
  responses: { ...exportResponse, ...errorResponses(400, 401, 403) },
});

const teamImpersonation = createRoute({
  method: 'get',
  path: '/api/public/team/impersonations/{id}',
  tags,
  summary: "One impersonation in the team's organization",
  middleware: teamAccess,
  request: { params: impersonationIdParam },
  responses: { 200: jsonContent(reportSchema, 'Report'), ...errorResponses(401, 403, 404) },
});

export const auditRoutes = createRouter()
  .openapi(sysList, (c) => {
    const { cursor, limit, ...filters } = c.req.valid('query');
    return pageResponse(c, listAuditEventsJson(c.get('deps'), filters, cursor, limit));
  })
  .openapi(sysExport, (c) => {
    const { format, ...filters } = c.req.valid('query');
    return streamExport(c.get('deps'), filters, format);
  })
  .openapi(sysVerify, (c) => c.json(verifyAuditChain(c.get('deps').db), 200))
  .openapi(sysImpersonation, (c) =>
    c.json(impersonationReport(c.get('deps'), c.req.valid('param').id), 200),
  )
  .openapi(teamList, (c) => {
    const { cursor, limit, ...filters } = c.req.valid('query');
    const scoped = { ...filters, organizationId: teamScope(c) };
    return pageResponse(c, listAuditEventsJson(c.get('deps'), scoped, cursor, limit));
  })
  .openapi(teamExport, (c) => {
    const { format, ...filters } = c.req.valid('query');
    return streamExport(c.get('deps'), { ...filters, organizationId: teamScope(c) }, format);
  })
  .openapi(teamImpersonation, (c) =>
    c.json(impersonationReport(c.get('deps'), c.req.valid('param').id, teamScope(c)), 200),
  );
