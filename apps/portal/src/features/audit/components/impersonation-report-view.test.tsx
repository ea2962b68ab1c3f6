// @vitest-environment happy-dom
import type {
  AuditEvent,
  ImpersonationReport,
  ImpersonationReportQuery,
} from '@onbehalf/contracts/audit';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../../lib/api.ts';
import { ImpersonationReportView } from './impersonation-report-view.tsx';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const ACTIONS = 120;

const impersonation: ImpersonationReport['impersonation'] = {
  id: 'imp-1',
  door: 'operator',
  actor: { id: 9, name: 'Sasha Patel', email: null, operatorRole: 'support' },
  target: { id: 2, name: 'Jane Doe', email: 'member@acme.test' },
  organization: { id: 1, name: 'Acme Corp' },
  reason: 'a long look around',
  ticket: null,
  issuedAt: '2025-01-01T10:00:00.000Z',
  startedAt: '2025-01-01T10:00:05.000Z',
  endsAt: '2025-01-01T11:00:05.000Z',
  endedAt: null,
  endReason: null,
};

/** Action `n` (1 is the first taken), told apart on screen by its subject's name. */
const action = (n: number): AuditEvent => ({
  id: n,
  at: new Date(Date.parse('2025-01-01T10:00:10.000Z') + n * 1000).toISOString(),
  type: 'order.placed',
  actor: { id: 9, name: 'Sasha Patel', email: null, operatorRole: 'support' },
  actorKind: 'operator',
  subject: { id: 1000 + n, name: `Person ${n}`, email: null },
  organization: { id: 1, name: 'Acme Corp' },
  sessionId: null,
  impersonationId: 'imp-1',
  ip: null,
  userAgent: null,
  requestId: null,
  reason: null,
  details: null,
});

/** The server's report: the newest `limit` actions below the cursor, each page oldest first. */
async function reportPage(_id: string, { limit = 100, cursor }: ImpersonationReportQuery = {}) {
  const below = cursor ? Number(cursor) : ACTIONS + 1;
  const ids = Array.from({ length: below - 1 }, (_, i) => below - 1 - i).slice(0, Number(limit));
  const last = ids.at(-1);
  return {
    impersonation,
    events: ids.map(action).reverse(),
    nextCursor: last !== undefined && last > 1 ? String(last) : null,
  };
}

function renderReport(scope: 'sys' | 'team') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ImpersonationReportView scope={scope} id="imp-1" />
    </QueryClientProvider>,
  );
}

/** The subjects of the timeline's rows, top to bottom: which actions show, in which order. */
async function shownActions() {
  const table = await screen.findByRole('table', { name: 'Impersonation timeline' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((row) => Number(row.querySelectorAll('td')[3]?.textContent?.replace('Person ', '')));
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('an impersonation report', () => {
  it('shows the newest actions first, and "Earlier actions" puts each earlier page above them until none are left', async () => {
    const read = vi.spyOn(api.audit, 'impersonation').mockImplementation(reportPage);
    renderReport('sys');

    expect(await shownActions()).toEqual(range(71, 120));
    expect(screen.getByText('Showing the latest 50 events.')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Earlier actions' }));
    await screen.findByText('Showing the latest 100 events.');
    expect(await shownActions()).toEqual(range(21, 120));

    fireEvent.click(screen.getByRole('button', { name: 'Earlier actions' }));
    await screen.findByText(`Showing all ${ACTIONS} events.`);
    expect(await shownActions()).toEqual(range(1, ACTIONS));
    expect(screen.queryByRole('button', { name: 'Earlier actions' })).toBeNull();

    // Each page asked for where the one before it ended.
    expect(read.mock.calls.map(([, page]) => page)).toEqual([
      { limit: 50 },
      { limit: 50, cursor: '71' },
      { limit: 50, cursor: '21' },
    ]);
  });

  it("a team admin's report is read through the team's route, and one page needs no button", async () => {
    const team = vi
      .spyOn(api.audit, 'teamImpersonation')
      .mockImplementation((id) => reportPage(id, { limit: ACTIONS }));
    const sys = vi.spyOn(api.audit, 'impersonation');
    renderReport('team');

    expect(await shownActions()).toEqual(range(1, ACTIONS));
    expect(screen.getByText(`Showing all ${ACTIONS} events.`)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Earlier actions' })).toBeNull();
    expect(team).toHaveBeenCalledTimes(1);
    expect(sys).not.toHaveBeenCalled();
  });
});
