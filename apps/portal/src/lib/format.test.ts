import { describe, expect, it } from 'vitest';
import {
  formatDate,
  formatDuration,
  formatInstant,
  formatMoney,
  shortenUserAgent,
} from './format.ts';

describe('formatMoney', () => {
  it('writes cents as euros with grouping', () => {
    expect(formatMoney(123450)).toBe('€1,234.50');
    expect(formatMoney(2450, 'EUR')).toBe('€24.50');
  });
});

describe('formatDate', () => {
  it('writes the day, short month and year', () => {
    expect(formatDate('2026-11-21T06:55:25.711Z')).toBe('21 Nov 2026');
  });
});

describe('formatInstant', () => {
  it('writes the date and the time to the second', () => {
    const local = new Date(2026, 10, 21, 14, 5, 9);
    expect(formatInstant(local.toISOString())).toBe('21 Nov 2026, 14:05:09');
  });
});

describe('shortenUserAgent', () => {
  it('names the browser and the system', () => {
    const chrome =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36';
    expect(shortenUserAgent(chrome)).toBe('Chrome 131 on Linux');
    const safari =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
    expect(shortenUserAgent(safari)).toBe('Safari 17 on macOS');
    const edge =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0';
    expect(shortenUserAgent(edge)).toBe('Edge 130 on Windows');
  });

  it('recognises command-line clients', () => {
    expect(shortenUserAgent('curl/7.88.1')).toBe('curl 7.88.1');
  });

  it('says so when the agent is unknown, and shortens what it cannot parse', () => {
    expect(shortenUserAgent(null)).toBe('Unknown device');
    expect(shortenUserAgent('x'.repeat(60))).toBe(`${'x'.repeat(39)}…`);
  });
});

describe('formatDuration', () => {
  it('writes minutes, or seconds under a minute', () => {
    expect(formatDuration(300)).toBe('5 min');
    expect(formatDuration(329)).toBe('5 min');
    expect(formatDuration(40)).toBe('40 s');
    expect(formatDuration(0)).toBe('0 s');
  });
});
