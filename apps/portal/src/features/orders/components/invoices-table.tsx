import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { formatDate, formatMoney } from '../../../lib/format.ts';
import { useInvoices } from '../api/list-invoices.ts';
import { StatusBadge } from './status-badge.tsx';

const invoiceNoun = { one: 'invoice', other: 'invoices' };

interface InvoicesTableProps {
  /** Id of the heading that names the table. */
  labelledBy: string;
}

export function InvoicesTable({ labelledBy }: InvoicesTableProps) {
  const invoices = useInvoices();

  return (
    <PagedListView
      list={invoices}
      noun={invoiceNoun}
      loadingLabel="Loading invoices…"
      errorTitle="Invoices could not be loaded."
      empty="No invoices yet."
    >
      {(rows) => (
        <table className="table" aria-labelledby={labelledBy}>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Issued</th>
              <th scope="col">Due</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((invoice) => (
              <tr key={invoice.id}>
                <td className="mono">{invoice.number}</td>
                <td>
                  <StatusBadge status={invoice.status} />
                </td>
                <td className="num">{formatMoney(invoice.amountCents, invoice.currency)}</td>
                <td>{formatDate(invoice.issuedAt)}</td>
                <td>{formatDate(invoice.dueAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </PagedListView>
  );
}
