import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const secret = () => randomBytes(32).toString('base64url');

export interface Fixture {
  adminEmail: string;
  memberEmails: string[];
  memberProfileIds: number[];
  oneClick: { userId: number; hash: string }[];
  oneTimeTokens: string[];
  reusableToken: string;
  /** Live sessions with known tokens, each for a member's own profile (profile switches). */
  sessions: { token: string; profileId: number }[];
  auditEvents: number;
}

const MEMBER_PERMISSIONS = JSON.stringify(['orders:read', 'orders:create', 'invoices:read']);
const ADMIN_PERMISSIONS = JSON.stringify([
  'orders:read',
  'orders:create',
  'invoices:read',
  'team:read',
  'team:manage',
  'team:impersonate',
]);

/**
 * Writes the load fixture straight into a migrated database (the server is stopped): users
 * with profiles, pools of one-click links and login tokens whose secrets only this process
 * knows, and an audit trail of the requested size with a valid hash chain.
 */
export function seedLoadFixture(
  file: string,
  options: {
    users: number;
    auditEvents: number;
    oneClickLinks: number;
    loginTokens: number;
    sessions: number;
  },
): Fixture {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const now = Date.now();
  const { password_hash: passwordHash } = db
    .prepare(`SELECT password_hash FROM users WHERE email = 'owner@acme.test'`)
    .get() as { password_hash: string };

  const fixture: Fixture = {
    adminEmail: 'load-admin@load.test',
    memberEmails: [],
    memberProfileIds: [],
    oneClick: [],
    oneTimeTokens: [],
    reusableToken: '',
    sessions: [],
    auditEvents: options.auditEvents,
  };

  db.transaction(() => {
    const orgId = Number(
      db
        .prepare(
          `INSERT INTO organizations (name, kind, impersonation_enabled, impersonation_max_minutes, created_at)
           VALUES ('Load Corp', 'company', 1, 60, ?)`,
        )
        .run(now).lastInsertRowid,
    );
    const insertUser = db.prepare(
      `INSERT INTO users (email, name, password_hash, password_changed_at, status, kind, created_at)
       VALUES (?, ?, ?, ?, 'active', 'customer', ?)`,
    );
    const insertProfile = db.prepare(
      `INSERT INTO profiles (user_id, organization_id, role, permissions, allow_team_impersonation, created_at)
       VALUES (?, ?, ?, ?, 1, ?)`,
    );
    const userIds: number[] = [];
    for (let i = 0; i < options.users; i++) {
      const admin = i === 0;
      const email = admin ? fixture.adminEmail : `load-${i}@load.test`;
      const userId = Number(
        insertUser.run(email, `Load User ${i}`, passwordHash, now, now).lastInsertRowid,
      );
      const profileId = Number(
        insertProfile.run(
          userId,
          orgId,
          admin ? 'admin' : 'member',
          admin ? ADMIN_PERMISSIONS : MEMBER_PERMISSIONS,
          now,
        ).lastInsertRowid,
      );
      if (!admin) {
        userIds.push(userId);
        fixture.memberProfileIds.push(profileId);
        if (fixture.memberEmails.length < 50) fixture.memberEmails.push(email);
      }
    }

    // One-click links record a fingerprint of the password hash (see the one-click service).
    const fingerprint = sha256(`one-click:${passwordHash}`);
    const insertLink = db.prepare(
      `INSERT INTO one_click_links (id, user_id, secret_hash, created_at, expires_at, credential_fingerprint)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    for (let i = 0; i < options.oneClickLinks; i++) {
      const userId = userIds[i % userIds.length] as number;
      const hash = secret();
      insertLink.run(
        randomBytes(12).toString('base64url'),
        userId,
        sha256(hash),
        now,
        now + 86_400_000,
        fingerprint,
      );
      fixture.oneClick.push({ userId, hash });
    }

    const insertToken = db.prepare(
      `INSERT INTO login_tokens (secret_hash, profile_id, created_at, expires_at, one_time_use)
       VALUES (?, ?, ?, ?, ?)`,
    );
    for (let i = 0; i <= options.loginTokens; i++) {
      const value = secret();
      const reusable = i === options.loginTokens;
      const profileId = fixture.memberProfileIds[i % fixture.memberProfileIds.length] as number;
      const id = insertToken.run(
        sha256(value),
        profileId,
        now,
        now + 86_400_000,
        reusable ? 0 : 1,
      ).lastInsertRowid;
      if (reusable) fixture.reusableToken = `${id}.${value}`;
      else fixture.oneTimeTokens.push(`${id}.${value}`);
    }

    // As on the server, only the SHA-256 of each session token is stored. The ids differ: random
    // here, time-ordered ULIDs there (sortableId, apps/bff/src/lib/tokens.ts).
    const insertSession = db.prepare(
      `INSERT INTO sessions (id, token_hash, user_id, profile_id, method, created_at, expires_at, last_seen_at)
       VALUES (?, ?, ?, ?, 'password', ?, ?, ?)`,
    );
    for (let i = 0; i < options.sessions; i++) {
      const token = secret();
      const profileId = fixture.memberProfileIds[i % fixture.memberProfileIds.length] as number;
      const userId = userIds[i % userIds.length] as number;
      insertSession.run(
        randomBytes(12).toString('base64url'),
        sha256(token),
        userId,
        profileId,
        now,
        now + 6 * 3_600_000,
        now,
      );
      fixture.sessions.push({ token, profileId });
    }
  })();

  seedAuditTrail(db, options.auditEvents, now);
  db.close();
  return fixture;
}

/** Same payload and order as the server's chain (apps/bff/src/lib/audit.ts), so it verifies. */
function seedAuditTrail(db: Database.Database, count: number, now: number) {
  const last = db.prepare('SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1').get() as
    | { hash: string }
    | undefined;
  let prev = last?.hash ?? '0'.repeat(64);
  const insert = db.prepare(
    `INSERT INTO audit_events (at, type, actor_user_id, actor_kind, subject_user_id, organization_id,
       ip, user_agent, details, prev_hash, hash)
     VALUES (?, ?, ?, 'customer', ?, NULL, '127.0.0.1', 'bench', ?, ?, ?)`,
  );
  const types = ['auth.sign_in.succeeded', 'order.placed', 'profile.switched', 'auth.signed_out'];
  const BATCH = 50_000;
  for (let start = 0; start < count; start += BATCH) {
    db.transaction(() => {
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        const at = now - (count - i) * 1000;
        const type = types[i % types.length] as string;
        const userId = (i % 10_000) + 9;
        const details = { n: i };
        const payload = JSON.stringify([
          at,
          type,
          userId,
          'customer',
          userId,
          null,
          null,
          null,
          '127.0.0.1',
          'bench',
          null,
          null,
          details,
        ]);
        const hash = sha256(`${prev}\n${payload}`);
        insert.run(at, type, userId, userId, JSON.stringify(details), prev, hash);
        prev = hash;
      }
    })();
  }
}
