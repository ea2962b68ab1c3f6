import { type AuditEventType, type AuditFilters, auditEventTypes } from '@onbehalf/contracts/audit';
import { fromDateTimeLocal } from '../../lib/datetime-local.ts';
import type { AuditScope } from './api/list-audit-events.ts';

export type AuditFilterKey = keyof AuditFilters;

/**
 * The filters each trail offers, in the order they show: the team's has no person or
 * organization filters.
 */
export const auditFilterKeys: Record<AuditScope, readonly AuditFilterKey[]> = {
  sys: [
    'type',
    'actorUserId',
    'subjectUserId',
    'organizationId',
    'impersonationId',
    'from',
    'to',
    'query',
  ],
  team: ['type', 'from', 'to', 'query'],
};

const idKeys = ['actorUserId', 'subjectUserId', 'organizationId'] as const;
type IdKey = (typeof idKeys)[number];

const idLabels: Record<IdKey, string> = {
  actorUserId: 'Actor user ID',
  subjectUserId: 'Subject user ID',
  organizationId: 'Organization ID',
};

const isEventType = (value: string): value is AuditEventType =>
  (auditEventTypes as readonly string[]).includes(value);

function positiveId(value: string): number | undefined {
  if (!/^\d{1,15}$/.test(value)) return undefined;
  const id = Number(value);
  return id > 0 ? id : undefined;
}

/** An instant from the address, which carries it as UTC ISO 8601 (not the input's local time). */
function isoOrUndefined(value: string): string | undefined {
  if (!value) return undefined;
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

function boundedText(value: string | null, max: number): string | undefined {
  const trimmed = value?.trim() ?? '';
  return trimmed && trimmed.length <= max ? trimmed : undefined;
}

/**
 * The filters in the address (`?type=…&from=…`). What cannot be valid is dropped rather than
 * sent, so a hand-edited or stale link shows events instead of an error.
 */
export function readAuditFilters(params: URLSearchParams, scope: AuditScope): AuditFilters {
  const filters: AuditFilters = {};
  const allowed = new Set(auditFilterKeys[scope]);
  const types = (params.get('type') ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(isEventType);
  if (allowed.has('type') && types.length > 0) filters.type = types;
  for (const key of idKeys) {
    const id = positiveId(params.get(key)?.trim() ?? '');
    if (allowed.has(key) && id !== undefined) filters[key] = id;
  }
  const impersonationId = boundedText(params.get('impersonationId'), 64);
  if (allowed.has('impersonationId') && impersonationId) filters.impersonationId = impersonationId;
  const from = isoOrUndefined(params.get('from') ?? '');
  if (allowed.has('from') && from) filters.from = from;
  const to = isoOrUndefined(params.get('to') ?? '');
  if (allowed.has('to') && to) filters.to = to;
  // In the address as `q`, as every list's search is.
  const query = boundedText(params.get('q'), 200);
  if (allowed.has('query') && query) filters.query = query;
  return filters;
}

/**
 * Filters as the address's query parameters, in a fixed order (so equal filters make equal
 * strings). The API client and the export links build their own query from the filters.
 */
export function auditFilterParams(filters: AuditFilters): Record<string, string> {
  const params: Record<string, string> = {};
  if (filters.type?.length) params.type = filters.type.join(',');
  for (const key of idKeys) {
    const id = filters[key];
    if (id !== undefined) params[key] = String(id);
  }
  if (filters.impersonationId) params.impersonationId = filters.impersonationId;
  if (filters.from) params.from = filters.from;
  if (filters.to) params.to = filters.to;
  if (filters.query) params.q = filters.query;
  return params;
}

export interface AuditFilterForm {
  filters: AuditFilters;
  /** Field name → what is wrong with it; empty when the form can be applied. */
  errors: Partial<Record<AuditFilterKey, string>>;
}

/**
 * The filter form's fields (named like the query parameters) → filters, or what to fix.
 * A datetime-local value is the viewer's local time; the address carries it as UTC.
 */
export function readAuditFilterForm(form: FormData, scope: AuditScope): AuditFilterForm {
  const field = (name: AuditFilterKey) => {
    const value = form.get(name);
    return typeof value === 'string' ? value.trim() : '';
  };
  const filters: AuditFilters = {};
  const errors: AuditFilterForm['errors'] = {};
  const allowed = new Set(auditFilterKeys[scope]);

  const type = field('type');
  if (allowed.has('type') && type && isEventType(type)) filters.type = [type];
  for (const key of idKeys) {
    const raw = field(key);
    if (!allowed.has(key) || !raw) continue;
    const id = positiveId(raw);
    if (id === undefined) errors[key] = `${idLabels[key]} must be a whole number above 0.`;
    else filters[key] = id;
  }
  const impersonationId = field('impersonationId');
  if (allowed.has('impersonationId') && impersonationId) {
    if (impersonationId.length > 64) errors.impersonationId = 'Impersonation ID is too long.';
    else filters.impersonationId = impersonationId;
  }
  for (const key of ['from', 'to'] as const) {
    const raw = field(key);
    if (!allowed.has(key) || !raw) continue;
    const iso = fromDateTimeLocal(raw);
    if (iso) filters[key] = iso;
    else errors[key] = `${key === 'from' ? 'From' : 'To'} is not a valid date and time.`;
  }
  if (filters.from && filters.to && filters.from > filters.to) {
    errors.to = 'To must be after From.';
  }
  const query = field('query');
  if (allowed.has('query') && query) {
    if (query.length > 200) errors.query = 'Search is limited to 200 characters.';
    else filters.query = query;
  }
  return { filters, errors };
}
