import type { OutboxResponse } from '@onbehalf/contracts/email-links';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { recordRepeatable } from '../../lib/audit-repeats.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { unseal } from '../../lib/server-secret.ts';
import { outboxMessages } from '../../store/sqlite/schema/outbox.ts';

/**
 * The outbox is a development tool (SPEC §4b): it exists only while no SMTP server is set and
 * the server is not in production. Anywhere else, reading it would be reading people's mail.
 */
export function outboxReadable(deps: AppDeps): boolean {
  return deps.mailer.transport === 'outbox' && !deps.env.isProduction;
}

/** A page of messages, newest first, whole (unsealed), optionally to one address; audited. */
export function readOutbox(
  deps: AppDeps,
  auth: AuthContext,
  page: { to?: string | undefined; cursor?: string | undefined; limit: number },
  meta: RequestMeta,
): OutboxResponse {
  const { to } = page;
  const [before] = decodeCursor(page.cursor, ['number'] as const) ?? [];
  if (!outboxReadable(deps)) {
    throw new AppError('not_found', {
      message: 'The outbox exists only in development, when no SMTP server is set.',
    });
  }
  const party = auditParty(auth);
  recordRepeatable(
    deps.db,
    { type: 'outbox.read', at: deps.clock.now(), ...party, details: { to: to ?? null } },
    'read',
    meta,
  );
  const rows = deps.db
    .select()
    .from(outboxMessages)
    .where(
      and(
        to ? eq(outboxMessages.to, to.toLowerCase()) : undefined,
        before !== undefined ? lt(outboxMessages.id, before) : undefined,
      ),
    )
    .orderBy(desc(outboxMessages.id))
    .limit(page.limit + 1)
    .all();
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
