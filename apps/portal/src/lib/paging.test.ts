import { describe, expect, it } from 'vitest';
import { listSummary, mergePages } from './paging.ts';

type Page = { rows: { id: number; name: string }[] };
const rowsOf = (page: Page) => page.rows;
const idOf = (row: { id: number }) => row.id;

describe('mergePages', () => {
  it('lists the rows of every loaded page in order', () => {
    const pages: Page[] = [
      {
        rows: [
          { id: 1, name: 'Member 001' },
          { id: 2, name: 'Member 002' },
        ],
      },
      { rows: [{ id: 3, name: 'Member 003' }] },
    ];
    expect(mergePages(pages, rowsOf, idOf).map((r) => r.name)).toEqual([
      'Member 001',
      'Member 002',
      'Member 003',
    ]);
  });

  it('shows a row that moved between two page loads once, where it was first met', () => {
    const pages: Page[] = [
      {
        rows: [
          { id: 1, name: 'Ann' },
          { id: 2, name: 'Bob' },
        ],
      },
      {
        rows: [
          { id: 2, name: 'Bobby' },
          { id: 3, name: 'Cy' },
        ],
      },
    ];
    expect(mergePages(pages, rowsOf, idOf)).toEqual([
      { id: 1, name: 'Ann' },
      { id: 2, name: 'Bob' },
      { id: 3, name: 'Cy' },
    ]);
  });

  it('has nothing to show before the first page', () => {
    expect(mergePages([] as Page[], rowsOf, idOf)).toEqual([]);
  });
});

describe('listSummary', () => {
  const members = { one: 'member', other: 'members' };

  it('says there is more without claiming a total the server does not keep', () => {
    expect(listSummary({ shown: 50, more: true, search: '' }, members)).toBe(
      'Showing the first 50 members.',
    );
    expect(listSummary({ shown: 100, more: true, search: 'Member' }, members)).toBe(
      'Showing the first 100 members matching “Member”.',
    );
  });

  it('says when every row is on screen', () => {
    expect(listSummary({ shown: 12, more: false, search: '' }, members)).toBe(
      'Showing all 12 members.',
    );
    expect(listSummary({ shown: 1, more: false, search: 'Member 042' }, members)).toBe(
      'Showing the only member matching “Member 042”.',
    );
  });

  it('says when a search stopped on its bound before finding any, with more to look at', () => {
    const events = { one: 'event', other: 'events' };
    expect(listSummary({ shown: 0, more: true, search: '' }, events)).toBe(
      'No events so far: older ones are still to search.',
    );
  });

  it('says what found nothing', () => {
    expect(listSummary({ shown: 0, more: false, search: 'Nobody' }, members)).toBe(
      'No members matching “Nobody”.',
    );
    expect(listSummary({ shown: 0, more: false, search: '' }, members)).toBe('No members.');
  });
});
