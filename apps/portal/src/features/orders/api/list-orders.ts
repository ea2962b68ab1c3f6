import type { Order, OrdersResponse } from '@onbehalf/contracts/commerce';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A page of the active organization's orders, newest first. */
export const listOrders = (page: PageRequest) => api.orders.list(page);

export const ordersQueryOptions = () => pagedQueryOptions(queryKeys.orders.list(), listOrders);

const ordersOf = (page: OrdersResponse) => page.orders;
const orderId = (order: Order) => order.id;

/** The orders, a page at a time ("Load more"). */
export function useOrders() {
  return usePagedList(ordersQueryOptions(), ordersOf, orderId);
}
