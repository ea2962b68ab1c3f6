/** Converters for `<input type="datetime-local">`, whose value is the viewer's local time. */

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * An instant as the local "2026-11-21T14:05" the input shows; "" when it is not a date.
 * Seconds appear only when there are some, or never with `'minute'`: a `min` with seconds
 * would shift the input's 60-second step and make whole minutes invalid.
 */
export function toDateTimeLocal(
  instant: Date | string | undefined,
  precision: 'second' | 'minute' = 'second',
): string {
  if (instant === undefined || instant === '') return '';
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return '';
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return precision === 'second' && d.getSeconds() ? `${base}:${pad(d.getSeconds())}` : base;
}

/**
 * The input's value (local time) as ISO 8601 (UTC) for the API; null when it is not a
 * local date and time. Strict on purpose: `new Date()` alone would also take "2026" or a
 * string with its own zone, which the input never produces.
 */
export function fromDateTimeLocal(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
