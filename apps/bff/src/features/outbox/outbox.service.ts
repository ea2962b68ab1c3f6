import type { OutboxResponse } from '@onbehalf/contracts/email-links';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { unseal } from '../../lib/server-secret.ts';

/**
 * The outbox is a development tool (SPEC §4b): it exists only while no SMTP server is set and
 * the server is not in production. Anywhere else, reading it would be reading people's mail.
 */
export function outboxReadable(deps: AppDeps): boolean {
  return deps.mailer.transport === 'outbox' && !deps.env.isProduction;
}

/** A page of messages, newest first, whole (unsealed), optionally to one address; audited. */
export async function readOutbox(
  deps: AppDeps,
  auth: AuthContext,
  page: { to?: string | undefined; cursor?: string | undefined; limit: number },
  meta: RequestMeta,
): Promise<OutboxResponse> {
  const { to } = page;
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
      details: { to: to ?? null },
    },
    meta,
  });
  const rows = await deps.store.outbox.page({
    to: to ? to.toLowerCase() : null,
    before: before ?? null,
    limit: page.limit + 1,
  });
  const { items, nextCursor } = pageOf(rows, page.limit, (m) => [m.id]);
  return {
    nextCursor,
    messages: items.map(({ sealed, ...m }) => {
      const whole = sealed ? unseal(deps.secret.outboxKey, sealed) : null;
      const body = whole ? (JSON.parse(whole) as { text: string; html: string }) : m;
      return { ...m, text: body.text, html: body.html, createdAt: toIso(m.createdAt) };
    }),
  };
}
