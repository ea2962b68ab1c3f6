const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The instant before which the audit trail, and the access history with it, may be pruned
 * (`AUDIT_RETENTION_DAYS`, ADR 043): one retention for every record of who did what as whom.
 */
export function retentionCutoff(now: number, retentionDays: number): number {
  return now - retentionDays * DAY_MS;
}
