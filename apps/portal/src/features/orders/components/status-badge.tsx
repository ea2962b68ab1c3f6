import type { Invoice, Order } from '@onbehalf/contracts/commerce';
import { Badge } from '../../../components/ui/badge.tsx';

type Status = Order['status'] | Invoice['status'];

const tones = {
  placed: 'info',
  processing: 'info',
  shipped: 'info',
  delivered: 'success',
  cancelled: 'neutral',
  open: 'warning',
  paid: 'success',
  overdue: 'danger',
} as const satisfies Record<Status, string>;

export function StatusBadge({ status }: { status: Status }) {
  return <Badge tone={tones[status]}>{status.charAt(0).toUpperCase() + status.slice(1)}</Badge>;
}
