import type { OutboxResponse } from '@onbehalf/contracts/email-links';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';

/**
 * The outbox is a development tool (SPEC §4b): it exists only while no SMTP server is set and
 * the server is not in production. Anywhere else, reading it would be reading people's mail.
 */
export function outboxReadable(deps: AppDeps): boolean {
  return deps.mailer.transport === 'outbox' && !deps.env.isProduction;
}

/**
 * A page of messages, newest first, optionally to one address; audited. Each is the copy kept
 * with its links removed: a delivered credential's secret reaches its recipient only, never
 * the operator who made it nor any other reader of the outbox (SPEC §4b, ADR 028).
 */
export async function readOutbox(
  deps: AppDeps,
  auth: AuthContext,
  page: { query?: string | undefined; cursor?: string | undefined; limit: number },
  meta: RequestMeta,
): Promise<OutboxResponse> {
  // The search is a recipient's whole address, in any case.
  const to = page.query ? page.query.toLowerCase() : null;
  const [before] = decodeCursor(page.cursor, ['number'] as const) ?? [];
  if (!outboxReadable(deps)) {
    throw new AppError('not_found', {
      message: 'The outbox exists only in development, when no SMTP server is set.',
    });
  }
  await deps.store.outbox.recordRead({
    audit: {
      type: 'outbox.read',
      at: deps.clock.now(),
      ...auditParty(auth),
      details: { to: page.query ?? null },
    },
    meta,
  });
  const rows = await deps.store.outbox.page({
    to,
    before: before ?? null,
    limit: page.limit + 1,
  });
  const { items, nextCursor } = pageOf(rows, page.limit, (m) => [m.id]);
  return {
    nextCursor,
    messages: items.map((m) => ({ ...m, createdAt: toIso(m.createdAt) })),
  };
}
