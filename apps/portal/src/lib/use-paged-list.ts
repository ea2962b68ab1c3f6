import {
  infiniteQueryOptions,
  keepPreviousData,
  type QueryKey,
  useInfiniteQuery,
} from '@tanstack/react-query';
import { useMemo } from 'react';
import { mergePages, PAGE_SIZE } from './paging.ts';

/** A page of a keyset-paginated list: `nextCursor` is null on the last page. */
export interface Page {
  nextCursor: string | null;
}

/** What each page request sends besides its filters. */
export interface PageRequest {
  limit: number;
  cursor?: string;
}

/**
 * The query of a long list, a page at a time: the first page, then each `nextCursor` the
 * server gave, until it gives none.
 */
export function pagedQueryOptions<TPage extends Page>(
  queryKey: QueryKey,
  fetchPage: (page: PageRequest) => Promise<TPage>,
) {
  return infiniteQueryOptions({
    queryKey,
    queryFn: ({ pageParam }) =>
      fetchPage(pageParam ? { limit: PAGE_SIZE, cursor: pageParam } : { limit: PAGE_SIZE }),
    initialPageParam: '',
    getNextPageParam: (last: TPage) => last.nextCursor ?? undefined,
  });
}

export type PagedQueryOptions<TPage extends Page> = ReturnType<typeof pagedQueryOptions<TPage>>;

/** A long list as a page shows it: its rows so far, and what can be done next. */
export interface PagedList<TItem> {
  items: readonly TItem[];
  /** Nothing to show yet. */
  isPending: boolean;
  /** The first page failed (nothing to show), with why. */
  failed: boolean;
  /** Loaded before, but the latest refresh failed: the rows shown may be stale. */
  refreshFailed: boolean;
  error: unknown;
  retry: () => void;
  /** The rows shown are the last search's while this one loads. */
  isSearching: boolean;
  hasMore: boolean;
  loadMore: () => void;
  isLoadingMore: boolean;
  loadMoreFailed: boolean;
}

interface PagedListOptions {
  /** Poll the loaded pages (the outbox watches for new mail). */
  refetchInterval?: number;
  /**
   * Each page loaded goes before the rows shown, not after: a timeline read back from its
   * newest rows, each page oldest first (an impersonation's report).
   */
  earlierPagesFirst?: boolean;
}

/**
 * Loads a long list a page at a time; a new search keeps the last results up until its own
 * arrive. `itemsOf` and `idOf` should be defined once (outside the component), as they are
 * what the merged rows are remembered by.
 */
export function usePagedList<TPage extends Page, TItem>(
  options: PagedQueryOptions<TPage>,
  itemsOf: (page: TPage) => readonly TItem[],
  idOf: (item: TItem) => string | number,
  { refetchInterval, earlierPagesFirst = false }: PagedListOptions = {},
): PagedList<TItem> {
  const query = useInfiniteQuery({
    ...options,
    placeholderData: keepPreviousData,
    ...(refetchInterval ? { refetchInterval } : {}),
  });
  const pages = query.data?.pages;
  const items = useMemo(
    () =>
      pages ? mergePages(earlierPagesFirst ? [...pages].reverse() : pages, itemsOf, idOf) : [],
    [pages, itemsOf, idOf, earlierPagesFirst],
  );
  return {
    items,
    isPending: query.isPending,
    failed: query.isError && !query.data,
    refreshFailed: query.isRefetchError,
    error: query.error,
    retry: () => void query.refetch(),
    isSearching: query.isPlaceholderData,
    hasMore: query.hasNextPage && !query.isPlaceholderData,
    loadMore: () => void query.fetchNextPage(),
    isLoadingMore: query.isFetchingNextPage,
    loadMoreFailed: query.isFetchNextPageError,
  };
}
