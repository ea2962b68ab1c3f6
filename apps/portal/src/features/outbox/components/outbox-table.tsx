import type { OutboxMessage } from '@onbehalf/contracts/email-links';
import { useState } from 'react';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { formatInstant } from '../../../lib/format.ts';
import { useOutbox } from '../api/list-outbox.ts';
import { outboxKindLabel } from '../kind-labels.ts';
import { OutboxMessageDialog } from './outbox-message-dialog.tsx';

const messageNoun = { one: 'message', other: 'messages' };

interface OutboxTableProps {
  /** One recipient's address, or empty for every message. */
  to: string;
}

/** The local outbox, newest first; each row opens the message. */
export function OutboxTable({ to }: OutboxTableProps) {
  const messages = useOutbox(to);
  // By id, so a refetch every few seconds never swaps the open message for a stale copy.
  const [openId, setOpenId] = useState<number | null>(null);

  const open = messages.items.find((m) => m.id === openId) ?? null;

  return (
    <>
      <PagedListView
        list={messages}
        noun={messageNoun}
        loadingLabel="Loading messages…"
        errorTitle="Messages could not be loaded."
        empty={to ? 'No messages to this address.' : 'No messages.'}
      >
        {(rows) => (
          <div className="table-scroll">
            <table className="table" aria-label="Outbox">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">To</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((message) => (
                  <OutboxRow key={message.id} message={message} onOpen={setOpenId} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedListView>
      {open ? <OutboxMessageDialog message={open} onClose={() => setOpenId(null)} /> : null}
    </>
  );
}

function OutboxRow({ message, onOpen }: { message: OutboxMessage; onOpen: (id: number) => void }) {
  return (
    <tr>
      <td className="nowrap">
        <time dateTime={message.createdAt}>{formatInstant(message.createdAt)}</time>
      </td>
      <td>{message.to}</td>
      <th scope="row">{message.subject}</th>
      <td>{outboxKindLabel(message.kind)}</td>
      <td>
        <button
          type="button"
          className="button button--small"
          aria-label={`Open message ${message.id}`}
          onClick={() => onOpen(message.id)}
        >
          Open
        </button>
      </td>
    </tr>
  );
}
