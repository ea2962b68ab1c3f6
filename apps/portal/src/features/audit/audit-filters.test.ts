import { describe, expect, it } from 'vitest';
import { auditFilterParams, readAuditFilterForm, readAuditFilters } from './audit-filters.ts';

const form = (values: Record<string, string>) => {
  const data = new FormData();
  for (const [key, value] of Object.entries(values)) data.set(key, value);
  return data;
};

describe('readAuditFilters', () => {
  it('reads every filter from the address', () => {
    const params = new URLSearchParams({
      type: 'impersonation.started,order.placed',
      actorUserId: '6',
      subjectUserId: '3',
      organizationId: '1',
      impersonationId: 'imp_123',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
      q: 'refund',
    });
    expect(readAuditFilters(params, 'sys')).toEqual({
      type: ['impersonation.started', 'order.placed'],
      actorUserId: 6,
      subjectUserId: 3,
      organizationId: 1,
      impersonationId: 'imp_123',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
      query: 'refund',
    });
  });

  it('drops what cannot be valid instead of sending it', () => {
    const params = new URLSearchParams({
      type: 'nonsense',
      actorUserId: '-1',
      subjectUserId: 'abc',
      from: 'yesterday',
      q: '   ',
    });
    expect(readAuditFilters(params, 'sys')).toEqual({});
  });

  it('reads only the filters the page offers', () => {
    const params = new URLSearchParams({ organizationId: '2', q: 'x', type: 'order.placed' });
    expect(readAuditFilters(params, 'team')).toEqual({ query: 'x', type: ['order.placed'] });
  });

  it('round-trips through the query parameters', () => {
    const filters = { type: ['order.placed' as const], impersonationId: 'imp 1', query: 'a&b' };
    const params = new URLSearchParams(auditFilterParams(filters));
    expect(params.toString()).toBe('type=order.placed&impersonationId=imp+1&q=a%26b');
    expect(readAuditFilters(params, 'sys')).toEqual(filters);
    expect(auditFilterParams({})).toEqual({});
  });
});

describe('readAuditFilterForm', () => {
  it('turns local date and time into UTC and skips empty fields', () => {
    const { filters, errors } = readAuditFilterForm(
      form({ type: '', actorUserId: '', from: '2026-03-01T10:00', query: ' jane ' }),
      'sys',
    );
    expect(errors).toEqual({});
    expect(filters).toEqual({ from: new Date(2026, 2, 1, 10, 0).toISOString(), query: 'jane' });
  });

  it('says what to fix', () => {
    const { errors } = readAuditFilterForm(
      form({ actorUserId: '1.5', from: '2026-03-02T10:00', to: '2026-03-01T10:00' }),
      'sys',
    );
    expect(errors).toEqual({
      actorUserId: 'Actor user ID must be a whole number above 0.',
      to: 'To must be after From.',
    });
  });

  it('refuses a From or To that is not a local date and time', () => {
    const { errors } = readAuditFilterForm(form({ from: 'yesterday' }), 'team');
    expect(errors).toEqual({ from: 'From is not a valid date and time.' });
  });
});
