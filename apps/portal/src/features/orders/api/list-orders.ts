import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const listOrders = async () => (await api.orders.list()).orders;

export const ordersQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.orders.list(), queryFn: listOrders });

export function useOrders() {
  return useQuery(ordersQueryOptions());
}
