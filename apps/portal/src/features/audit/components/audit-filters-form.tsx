import { type AuditFilters, auditEventTypes } from '@onbehalf/contracts/audit';
import { type FormEvent, useId, useRef, useState } from 'react';
import { toDateTimeLocal } from '../../../lib/datetime-local.ts';
import type { AuditScope } from '../api/list-audit-events.ts';
import {
  type AuditFilterForm,
  type AuditFilterKey,
  auditFilterKeys,
  auditFilterParams,
  readAuditFilterForm,
} from '../audit-filters.ts';
import { auditEventLabel } from '../event-labels.ts';

interface AuditFiltersFormProps {
  /** Which trail: it decides the filters offered. */
  scope: AuditScope;
  /** The applied filters (from the address). */
  filters: AuditFilters;
  onApply: (filters: AuditFilters) => void;
  onClear: () => void;
}

const textFields: { key: AuditFilterKey; label: string; numeric?: boolean }[] = [
  { key: 'actorUserId', label: 'Actor user ID', numeric: true },
  { key: 'subjectUserId', label: 'Subject user ID', numeric: true },
  { key: 'organizationId', label: 'Organization ID', numeric: true },
  { key: 'impersonationId', label: 'Impersonation ID' },
];

/** The trail's filters; applying them puts them in the address, so a view can be shared. */
export function AuditFiltersForm({ scope, filters, onApply, onClear }: AuditFiltersFormProps) {
  const keys = auditFilterKeys[scope];
  const idPrefix = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<AuditFilterForm['errors']>({});
  const offers = (key: AuditFilterKey) => keys.includes(key);
  const fieldId = (key: AuditFilterKey) => `${idPrefix}-${key}`;
  const errorId = (key: AuditFilterKey) => `${idPrefix}-${key}-error`;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const read = readAuditFilterForm(new FormData(event.currentTarget), scope);
    setErrors(read.errors);
    const firstInvalid = keys.find((key) => read.errors[key]);
    if (firstInvalid) {
      document.getElementById(fieldId(firstInvalid))?.focus();
      return;
    }
    onApply(read.filters);
  }

  function handleClear() {
    setErrors({});
    formRef.current?.reset();
    onClear();
  }

  const invalidProps = (key: AuditFilterKey) =>
    errors[key] ? { 'aria-invalid': true, 'aria-describedby': errorId(key) } : {};
  const errorText = (key: AuditFilterKey) =>
    errors[key] ? (
      <p id={errorId(key)} role="alert" className="field__error">
        {errors[key]}
      </p>
    ) : null;

  return (
    <form
      ref={formRef}
      // Filters changed from outside (back button, a link): the fields start over from them.
      key={JSON.stringify(auditFilterParams(filters))}
      role="search"
      aria-label="Audit filters"
      className="audit-filters"
      noValidate
      onSubmit={handleSubmit}
    >
      <div className="audit-filters__fields">
        {offers('type') ? (
          <div className="field">
            <label htmlFor={fieldId('type')}>Event type</label>
            <select id={fieldId('type')} name="type" defaultValue={filters.type?.[0] ?? ''}>
              <option value="">All events</option>
              {auditEventTypes.map((type) => (
                <option key={type} value={type}>
                  {auditEventLabel(type)}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {textFields
          .filter((field) => offers(field.key))
          .map((field) => (
            <div className="field" key={field.key}>
              <label htmlFor={fieldId(field.key)}>{field.label}</label>
              <input
                id={fieldId(field.key)}
                name={field.key}
                type="text"
                inputMode={field.numeric ? 'numeric' : undefined}
                autoComplete="off"
                maxLength={64}
                defaultValue={String(filters[field.key] ?? '')}
                {...invalidProps(field.key)}
              />
              {errorText(field.key)}
            </div>
          ))}
        {(['from', 'to'] as const)
          .filter((key) => offers(key))
          .map((key) => (
            <div className="field" key={key}>
              <label htmlFor={fieldId(key)}>{key === 'from' ? 'From' : 'To'}</label>
              <input
                id={fieldId(key)}
                name={key}
                type="datetime-local"
                step={1}
                defaultValue={toDateTimeLocal(filters[key])}
                {...invalidProps(key)}
              />
              {errorText(key)}
            </div>
          ))}
        {offers('query') ? (
          <div className="field audit-filters__search">
            <label htmlFor={fieldId('query')}>Search</label>
            <input
              id={fieldId('query')}
              name="query"
              type="text"
              maxLength={200}
              placeholder="Reason, details, IP address…"
              defaultValue={filters.query ?? ''}
              {...invalidProps('query')}
            />
            {errorText('query')}
          </div>
        ) : null}
      </div>
      <div className="audit-filters__actions">
        <button type="submit" className="button button--primary">
          Apply filters
        </button>
        <button type="button" className="button" onClick={handleClear}>
          Clear
        </button>
      </div>
    </form>
  );
}
