import type { Db } from '../db/client.ts';
import type { Env } from '../env.ts';
import { findUserByEmail } from '../features/auth/auth.repo.ts';
import { createOneClickLink } from '../features/one-click/one-click.service.ts';
import { createBackground } from '../lib/background.ts';
import { systemClock } from '../lib/clock.ts';
import { createMailer } from '../lib/mail.ts';
import { createLimiters } from '../lib/rate-limit.ts';
import { systemMeta } from '../lib/request-meta.ts';
import { generateSigningKeys } from '../lib/signing-keys.ts';

/** The CLI door to one-click links: same service, same rules and audit as the API. */
export async function printOneClickLink(db: Db, env: Env, email?: string, minutes?: string) {
  if (!email) throw new Error('usage: one-click <email> [minutes]');
  const user = findUserByEmail(db, email);
  if (!user) throw new Error(`No user with email ${email}`);
  const deps = {
    db,
    env,
    clock: systemClock,
    limiters: createLimiters(false),
    keys: (await generateSigningKeys()).keys,
    mailer: createMailer(env, db, systemClock.now),
    background: createBackground(),
  };
  const link = createOneClickLink(
    deps,
    {
      kind: 'api_key',
      key: {
        id: 'cli',
        name: 'command line',
        secretHash: '',
        scopes: ['one-click-links:create'],
        createdAt: 0,
        createdByUserId: 0,
        lastUsedAt: null,
        revokedAt: null,
      },
    },
    { userId: user.id, ...(minutes ? { expiresInMinutes: Number(minutes) } : {}) },
    systemMeta,
  );
  return `${link.url}\n(expires ${link.expiresAt})`;
}
