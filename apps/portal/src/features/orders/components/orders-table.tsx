import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { formatDate, formatMoney } from '../../../lib/format.ts';
import { useOrders } from '../api/list-orders.ts';
import { StatusBadge } from './status-badge.tsx';

const orderNoun = { one: 'order', other: 'orders' };

interface OrdersTableProps {
  /** Id of the heading that names the table. */
  labelledBy: string;
}

export function OrdersTable({ labelledBy }: OrdersTableProps) {
  const orders = useOrders();

  return (
    <PagedListView
      list={orders}
      noun={orderNoun}
      loadingLabel="Loading orders…"
      errorTitle="Orders could not be loaded."
      empty="No orders yet."
    >
      {(rows) => (
        <table className="table" aria-labelledby={labelledBy}>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Item</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Quantity
              </th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col">Placed by</th>
              <th scope="col">Date</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((order) => (
              <tr key={order.id}>
                <td className="mono">{order.number}</td>
                <td>{order.title}</td>
                <td>
                  <StatusBadge status={order.status} />
                </td>
                <td className="num">{order.quantity}</td>
                <td className="num">{formatMoney(order.totalCents, order.currency)}</td>
                <td>{order.placedBy ?? '—'}</td>
                <td>{formatDate(order.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </PagedListView>
  );
}
