const instantFormatter = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'medium',
});

/**
 * ISO 8601 → "21 Nov 2026, 14:05:09" in the viewer's time zone. To the second: an audit trail
 * orders events that happen within the same minute.
 */
export function formatInstant(iso: string): string {
  return instantFormatter.format(new Date(iso));
}
