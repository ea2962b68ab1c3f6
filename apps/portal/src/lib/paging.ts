/** How many rows each page of a long list asks for (the server answers at most `MAX_PAGE`). */
export const PAGE_SIZE = 50;

/** What a list holds, for sentences about it: "1 member", "50 members". */
export interface Noun {
  one: string;
  other: string;
}

const counted = (count: number, noun: Noun) => `${count} ${count === 1 ? noun.one : noun.other}`;

/**
 * The rows of every page loaded so far, in order. A row met twice (it moved between two page
 * loads, say a member renamed meanwhile) is shown once, where it was first met.
 */
export function mergePages<TPage, TItem>(
  pages: readonly TPage[],
  itemsOf: (page: TPage) => readonly TItem[],
  idOf: (item: TItem) => string | number,
): TItem[] {
  const seen = new Set<string | number>();
  const items: TItem[] = [];
  for (const page of pages) {
    for (const item of itemsOf(page)) {
      const id = idOf(item);
      if (seen.has(id)) continue;
      seen.add(id);
      items.push(item);
    }
  }
  return items;
}

interface ListState {
  /** Rows on screen. */
  shown: number;
  /** Does the server have more after them? */
  more: boolean;
  /** The search they match, or empty for the whole list. */
  search: string;
  /** The rows are the newest, and the more are earlier ones (a timeline read back). */
  latest?: boolean;
}

/**
 * How many rows are on screen and whether there are more, as one sentence. The server keeps
 * no total of a list that can hold 100,000 rows, so "the first N" says there is more without
 * claiming how much.
 */
export function listSummary({ shown, more, search, latest }: ListState, noun: Noun): string {
  const matching = search ? ` matching “${search}”` : '';
  // The server stops a long search on its bound and says there is more to look at.
  if (shown === 0 && more)
    return `No ${noun.other}${matching} so far: older ones are still to search.`;
  if (shown === 0) return `No ${noun.other}${matching}.`;
  if (more) return `Showing the ${latest ? 'latest' : 'first'} ${counted(shown, noun)}${matching}.`;
  if (shown === 1) return `Showing the only ${noun.one}${matching}.`;
  return `Showing all ${counted(shown, noun)}${matching}.`;
}
