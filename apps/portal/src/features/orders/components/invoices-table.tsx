import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
import { formatDate, formatMoney } from '../../../lib/format.ts';
import { useInvoices } from '../api/list-invoices.ts';
import { StatusBadge } from './status-badge.tsx';

interface InvoicesTableProps {
  /** Id of the heading that names the table. */
  labelledBy: string;
}

export function InvoicesTable({ labelledBy }: InvoicesTableProps) {
  const invoices = useInvoices();

  if (invoices.isPending) return <LoadingStatus label="Loading invoices…" />;
  if (invoices.isError) {
    return (
      <ErrorAlert
        title="Invoices could not be loaded."
        error={invoices.error}
        onRetry={() => void invoices.refetch()}
      />
    );
  }
  if (invoices.data.length === 0) return <p className="empty">No invoices yet.</p>;

  return (
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
        {invoices.data.map((invoice) => (
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
  );
}
