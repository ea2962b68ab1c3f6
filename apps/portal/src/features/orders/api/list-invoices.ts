import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const listInvoices = async () => (await api.invoices.list()).invoices;

export const invoicesQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.invoices.list(), queryFn: listInvoices });

export function useInvoices() {
  return useQuery(invoicesQueryOptions());
}
