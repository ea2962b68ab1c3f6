import type { TeamSettings } from '@onbehalf/contracts/team';
import { and, type Column, eq, type SQL } from 'drizzle-orm';

/**
 * What both adapters mean by an organization's settings still being as a decision read them,
 * written once over either dialect's columns: the compare of its compare-and-set, so that a
 * change made by someone else meanwhile is refused rather than written over.
 */
export function settingsAsRead(
  t: {
    impersonationEnabled: Column;
    impersonationMaxMinutes: Column;
    selfServiceLinksEnabled: Column;
    integrationsEnabled: Column;
  },
  before: TeamSettings,
): SQL | undefined {
  return and(
    eq(t.impersonationEnabled, before.impersonationEnabled),
    eq(t.impersonationMaxMinutes, before.impersonationMaxMinutes),
    eq(t.selfServiceLinksEnabled, before.selfServiceLinksEnabled),
    eq(t.integrationsEnabled, before.integrationsEnabled),
  );
}
