import type { ReactNode } from 'react';
import { listSummary, type Noun } from '../../lib/paging.ts';
import type { PagedList } from '../../lib/use-paged-list.ts';
import { ErrorAlert, LoadingStatus } from './status.tsx';

interface PagedListViewProps<TItem> {
  list: PagedList<TItem>;
  /** What the rows are, for "Showing the first 50 members". */
  noun: Noun;
  /** The search the rows match, or empty for the whole list. */
  search?: string;
  loadingLabel: string;
  /** What failed, e.g. "Team members could not be loaded." */
  errorTitle: string;
  /** Said when the whole list is empty (a search that finds nothing says so itself). */
  empty: string;
  /** The rows loaded so far, as a table or a list. */
  children: (items: readonly TItem[]) => ReactNode;
  /**
   * A timeline read back from its newest rows (an impersonation's actions): the count and the
   * button, named this, go above the rows, and each page loaded goes before them.
   */
  earlier?: string;
}

/**
 * A long list's states around its rows: loading, failed, nothing found, and under the rows
 * how many are shown with "Load more" while the server has more (above them, for a timeline
 * read back from its newest rows). Every list that pages shows these the same way.
 */
export function PagedListView<TItem>({
  list,
  noun,
  search = '',
  loadingLabel,
  errorTitle,
  empty,
  children,
  earlier,
}: PagedListViewProps<TItem>) {
  if (list.isPending) return <LoadingStatus label={loadingLabel} />;
  if (list.failed) {
    return <ErrorAlert title={errorTitle} error={list.error} onRetry={list.retry} />;
  }

  const { items } = list;
  const summary = listSummary(
    { shown: items.length, more: list.hasMore, search, latest: earlier !== undefined },
    noun,
  );
  const footer = (
    <div className={earlier ? 'table-footer table-footer--above' : 'table-footer'}>
      <p role="status" className="list-summary">
        {summary}
      </p>
      {list.loadMoreFailed ? (
        <ErrorAlert
          title={`More ${noun.other} could not be loaded.`}
          error={list.error}
          onRetry={list.loadMore}
        />
      ) : list.hasMore ? (
        <button
          type="button"
          className="button"
          disabled={list.isLoadingMore}
          onClick={list.loadMore}
        >
          {earlier ?? 'Load more'}
        </button>
      ) : null}
      {list.isLoadingMore ? <LoadingStatus label={`Loading more ${noun.other}…`} /> : null}
    </div>
  );
  return (
    <>
      {list.isSearching ? <LoadingStatus label="Searching…" /> : null}
      {/* A failed refresh keeps the rows it has, and says so. */}
      {list.refreshFailed ? (
        <ErrorAlert
          title="The list could not be refreshed."
          error={list.error}
          onRetry={list.retry}
        />
      ) : null}
      {items.length === 0 && !list.hasMore ? (
        <p role="status" className="empty">
          {search ? summary : empty}
        </p>
      ) : (
        <>
          {/* The count and "Load more" below the rows, or above them for a timeline read back;
              a search that stopped on its bound may answer an empty page and more to look at. */}
          {earlier ? footer : null}
          {items.length > 0 ? children(items) : null}
          {earlier ? null : footer}
        </>
      )}
    </>
  );
}
