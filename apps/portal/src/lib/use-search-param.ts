import { useCallback } from 'react';
import { useSearchParams } from 'react-router';
import { normalizeSearch, readSearch, searchReplacesEntry, withSearch } from './search-param.ts';

/**
 * A list's search, kept in the address (`?q=…` unless named otherwise) so a reload, a shared
 * link and the Back button all show the same results.
 */
export function useSearchParam(name = 'q'): [string, (next: string) => void] {
  const [params, setParams] = useSearchParams();
  const search = readSearch(params, name);
  const setSearch = useCallback(
    (text: string) => {
      const next = normalizeSearch(text);
      if (next === search) return;
      setParams((current) => withSearch(current, name, next), {
        replace: searchReplacesEntry(search, next),
        preventScrollReset: true,
      });
    },
    [name, search, setParams],
  );
  return [search, setSearch];
}
