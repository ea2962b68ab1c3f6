import type { Invoice, InvoicesResponse } from '@onbehalf/contracts/commerce';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A page of the active organization's invoices, newest first. */
export const listInvoices = (page: PageRequest) => api.invoices.list(page);

export const invoicesQueryOptions = () =>
  pagedQueryOptions(queryKeys.invoices.list(), listInvoices);

const invoicesOf = (page: InvoicesResponse) => page.invoices;
const invoiceId = (invoice: Invoice) => invoice.id;

/** The invoices, a page at a time ("Load more"). */
export function useInvoices() {
  return usePagedList(invoicesQueryOptions(), invoicesOf, invoiceId);
}
