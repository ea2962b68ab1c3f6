import { describe, expect, it } from 'vitest';
import {
  normalizeSearch,
  readSearch,
  SEARCH_MAX,
  searchReplacesEntry,
  withSearch,
} from './search-param.ts';

describe('readSearch', () => {
  it('reads the search from the address, trimmed', () => {
    expect(readSearch(new URLSearchParams('q=%20Member%20042%20'))).toBe('Member 042');
    expect(readSearch(new URLSearchParams('to=a%40b.test&who=Jane'), 'who')).toBe('Jane');
  });

  it('is empty when the address has none', () => {
    expect(readSearch(new URLSearchParams(''))).toBe('');
    expect(readSearch(new URLSearchParams('q=%20%20'))).toBe('');
  });

  it('never sends more than the server reads', () => {
    const long = 'x'.repeat(SEARCH_MAX + 50);
    expect(readSearch(new URLSearchParams({ q: long }))).toHaveLength(SEARCH_MAX);
    expect(SEARCH_MAX).toBe(200);
  });
});

describe('normalizeSearch', () => {
  it('leaves no space at either end after cutting to length', () => {
    expect(normalizeSearch(`${'a'.repeat(SEARCH_MAX - 1)} b`)).toBe('a'.repeat(SEARCH_MAX - 1));
  });
});

describe('withSearch', () => {
  it('sets the search and keeps the other filters', () => {
    const next = withSearch(new URLSearchParams('state=active'), 'q', ' Jane ');
    expect(next.toString()).toBe('state=active&q=Jane');
  });

  it('drops the parameter for an empty search', () => {
    expect(withSearch(new URLSearchParams('q=Jane&state=used'), 'q', '  ').toString()).toBe(
      'state=used',
    );
  });

  it('leaves the parameters it was given alone', () => {
    const params = new URLSearchParams('q=Jane');
    withSearch(params, 'q', 'Ben');
    expect(params.get('q')).toBe('Jane');
  });
});

describe('searchReplacesEntry', () => {
  it('adds an entry when a search starts or is cleared, so Back undoes it', () => {
    expect(searchReplacesEntry('', 'M')).toBe(false);
    expect(searchReplacesEntry('Member', '')).toBe(false);
  });

  it('replaces the entry while a search is refined', () => {
    expect(searchReplacesEntry('Mem', 'Member 042')).toBe(true);
  });
});
