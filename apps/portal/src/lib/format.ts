const moneyFormatters = new Map<string, Intl.NumberFormat>();
const dateFormatter = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' });
const dateTimeOptions: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
const dateTimeFormatter = new Intl.DateTimeFormat('en-GB', dateTimeOptions);
const instantFormatter = new Intl.DateTimeFormat('en-GB', {
  ...dateTimeOptions,
  timeStyle: 'medium',
});

/** 123450 cents → "€1,234.50". */
export function formatMoney(cents: number, currency = 'EUR'): string {
  let formatter = moneyFormatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-IE', { style: 'currency', currency });
    moneyFormatters.set(currency, formatter);
  }
  return formatter.format(cents / 100);
}

/** ISO 8601 → "21 Nov 2026". */
export function formatDate(iso: string): string {
  return dateFormatter.format(new Date(iso));
}

/** ISO 8601 → "21 Nov 2026, 14:05". */
export function formatDateTime(iso: string): string {
  return dateTimeFormatter.format(new Date(iso));
}

/**
 * ISO 8601 → "21 Nov 2026, 14:05:09": `formatDateTime` to the second, for logs such as the
 * audit trail and the outbox, which order events that happen within the same minute.
 */
export function formatInstant(iso: string): string {
  return instantFormatter.format(new Date(iso));
}

/** A finished impersonation's length, "5 min", "40 s". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  return `${Math.round(whole / 60)} min`;
}

const browsers: [RegExp, string][] = [
  [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/OPR\/(\d+)/, 'Opera'],
  [/Firefox\/(\d+)/, 'Firefox'],
  [/(?:Headless)?Chrome\/(\d+)/, 'Chrome'],
  [/CriOS\/(\d+)/, 'Chrome'],
  [/Version\/(\d+)(?:\.\d+)*.*Safari\//, 'Safari'],
  [/^curl\/([\d.]+)/, 'curl'],
  [/^node(?:-fetch)?(?:\/([\d.]+))?/i, 'Node.js'],
];

const systems: [RegExp, string][] = [
  [/Windows/, 'Windows'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** A user agent string as a person would name the device: "Chrome 131 on Linux". */
export function shortenUserAgent(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  let browser: string | undefined;
  for (const [pattern, name] of browsers) {
    const match = pattern.exec(userAgent);
    if (match) {
      browser = match[1] ? `${name} ${match[1]}` : name;
      break;
    }
  }
  const system = systems.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return system;
  return userAgent.length > 40 ? `${userAgent.slice(0, 39)}…` : userAgent;
}
