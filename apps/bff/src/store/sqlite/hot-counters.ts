import { countersOf, type HotCounters } from '../../lib/hot-counters.ts';
import { connectionOf } from './prepared.ts';

/** The counters of the connection behind a drizzle handle (the database or a transaction). */
export function hotCounters(handle: object): HotCounters {
  return countersOf(connectionOf(handle));
}
