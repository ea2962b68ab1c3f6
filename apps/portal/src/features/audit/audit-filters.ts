import { type AuditEventType, type AuditFilters, auditEventTypes } from '@onbehalf/contracts/audit';

/** The filters a page offers; the team page has no person or organization filters. */
export type AuditFilterKey = keyof AuditFilters;

export const operatorFilterKeys: readonly AuditFilterKey[] = [
  'type',
  'actorUserId',
  'subjectUserId',
  'organizationId',
  'impersonationId',
  'from',
  'to',
  'q',
];

export const teamFilterKeys: readonly AuditFilterKey[] = ['type', 'from', 'to', 'q'];

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
export function readAuditFilters(
  params: URLSearchParams,
  keys: readonly AuditFilterKey[] = operatorFilterKeys,
): AuditFilters {
  const filters: AuditFilters = {};
  const allowed = new Set(keys);
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
  const q = boundedText(params.get('q'), 200);
  if (allowed.has('q') && q) filters.q = q;
  return filters;
}

/** Filters as query parameters, in a fixed order: for the address, the API and the export. */
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
  if (filters.q) params.q = filters.q;
  return params;
}

/** `?a=1&b=2`, or nothing. */
export function toQueryString(params: Record<string, string>): string {
  const text = new URLSearchParams(params).toString();
  return text ? `?${text}` : '';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** ISO 8601 → the local "2026-11-21T14:05" a datetime-local input shows. */
export function toDateTimeLocal(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return d.getSeconds() ? `${base}:${pad(d.getSeconds())}` : base;
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
export function readAuditFilterForm(
  form: FormData,
  keys: readonly AuditFilterKey[] = operatorFilterKeys,
): AuditFilterForm {
  const field = (name: AuditFilterKey) => {
    const value = form.get(name);
    return typeof value === 'string' ? value.trim() : '';
  };
  const filters: AuditFilters = {};
  const errors: AuditFilterForm['errors'] = {};
  const allowed = new Set(keys);

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
    const iso = isoOrUndefined(raw);
    if (iso) filters[key] = iso;
    else errors[key] = `${key === 'from' ? 'From' : 'To'} is not a valid date and time.`;
  }
  if (filters.from && filters.to && filters.from > filters.to) {
    errors.to = 'To must be after From.';
  }
  const q = field('q');
  if (allowed.has('q') && q) {
    if (q.length > 200) errors.q = 'Search is limited to 200 characters.';
    else filters.q = q;
  }
  return { filters, errors };
}
