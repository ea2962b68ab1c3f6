/**
 * The load fixture, written straight into a migrated database while the server is stopped.
 * What the server would compute (an audit event's stored row and its keyed hash, the credential
 * fingerprint, session and link ids, page cursors) comes from the server's own code, imported
 * from apps/bff, so the fixture cannot drift from the rules it loads.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  eventRow,
  GENESIS_HASH,
  keyedHash,
  storedPayload,
} from '../../apps/bff/src/lib/audit-event.ts';
import { encodeCursor } from '../../apps/bff/src/lib/pagination.ts';
import type { RequestMeta } from '../../apps/bff/src/lib/request-meta.ts';
import { loadServerSecret } from '../../apps/bff/src/lib/server-secret.ts';
import { sha256, sortableId } from '../../apps/bff/src/lib/tokens.ts';
import { credentialFingerprint } from '../../apps/bff/src/store/sqlite/credentials.ts';
import { profileRolePresets } from '../../packages/contracts/src/permissions.ts';

/** A credential's secret, as the server makes them: 32 random bytes, base64url. */
export const secret = () => randomBytes(32).toString('base64url');

/** What the load fixture holds: Load Corp's size, the pools, the audit trail's length. */
export interface FixtureOptions {
  users: number;
  auditEvents: number;
  oneClickLinks: number;
  loginTokens: number;
  sessions: number;
  /** Each pool this much larger again, handed out apart (see `Pools`). */
  extraPool: number;
}

export interface Fixture {
  organizationId: number;
  /** The organization's team admin (team:read, team:manage, team:impersonate). */
  adminEmail: string;
  /** The organization's owner. */
  ownerEmail: string;
  memberEmails: string[];
  memberProfileIds: number[];
  oneClick: { userId: number; hash: string }[];
  oneTimeTokens: string[];
  reusableToken: string;
  /** Live sessions with known tokens, each for a member's own profile (profile switches). */
  sessions: { token: string; profileId: number }[];
  /**
   * Live sessions of the team admin, one per impersonation pair: an own session runs one
   * impersonation at a time (docs/decisions/037), so pairs from one session would end each other.
   */
  adminSessions: string[];
  /** Members in the organization, the admin and the owner included. */
  members: number;
  /** The team page's cursor halfway through the organization in name order. */
  middleCursor: string;
  /** One member's full name, as someone would type it into the search box. */
  searchName: string;
  auditEvents: number;
  /** Events the seeded trail starts after (the demo's), so ids of the seeded ones are known. */
  auditEventsBefore: number;
}

/** Pools drawn apart from the main ones, for a second pass of the write scenarios. */
export interface Pools {
  oneClick: Fixture['oneClick'];
  oneTimeTokens: string[];
  sessions: Fixture['sessions'];
  adminSessions: string[];
}

const FIRST_NAMES = [
  'Ada',
  'Bram',
  'Chiara',
  'Dmitri',
  'Elif',
  'Femi',
  'Greta',
  'Hiro',
  'Ingrid',
  'Jonas',
  'Kemal',
  'Lena',
  'Mateo',
  'Nadia',
  'Oskar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tamar',
  'Ugo',
  'Vera',
  'Wim',
  'Xenia',
  'Yusuf',
  'Zofia',
  'Anouk',
  'Bilal',
  'Carmen',
  'Dorian',
  'Esme',
  'Farid',
  'Gwen',
  'Hamid',
  'Iris',
  'Jasper',
  'Kaia',
  'Luca',
  'Mira',
  'Niels',
];
const SURNAME_STARTS = [
  'Bar',
  'Cal',
  'Dun',
  'Fer',
  'Gal',
  'Hol',
  'Kas',
  'Lin',
  'Mor',
  'Nov',
  'Ost',
  'Pel',
  'Ros',
  'Sal',
  'Tor',
  'Val',
  'Wen',
  'Zor',
  'Ard',
  'Bre',
];
const SURNAME_MIDDLES = ['a', 'e', 'i', 'o', 'u', 'ar', 'en', 'il', 'om', 'ur', 'as', 'et'];
const SURNAME_ENDS = ['berg', 'dal', 'ez', 'ini', 'kov', 'man', 'ova', 'sen', 'ton', 'vic', 'wood'];

/**
 * A person's name from their index: first names cycle, surnames are built from syllables, so
 * every one of the first 105,600 indexes has a different full name, and a team sorted by name
 * is in no relation to the order people were added in.
 */
export function personName(i: number): string {
  const first = FIRST_NAMES[i % FIRST_NAMES.length] as string;
  let n = Math.floor(i / FIRST_NAMES.length);
  const end = SURNAME_ENDS[n % SURNAME_ENDS.length] as string;
  n = Math.floor(n / SURNAME_ENDS.length);
  const middle = SURNAME_MIDDLES[n % SURNAME_MIDDLES.length] as string;
  n = Math.floor(n / SURNAME_MIDDLES.length);
  const start = SURNAME_STARTS[n % SURNAME_STARTS.length] as string;
  return `${first} ${start}${middle}${end}`;
}

/** The fixture before anything is written: its people and pools are filled in as they are. */
export function emptyFixture(options: FixtureOptions): { fixture: Fixture; extra: Pools } {
  return {
    fixture: {
      organizationId: 0,
      adminEmail: 'load-admin@load.test',
      ownerEmail: 'load-owner@load.test',
      memberEmails: [],
      memberProfileIds: [],
      oneClick: [],
      oneTimeTokens: [],
      reusableToken: '',
      sessions: [],
      adminSessions: [],
      members: options.users,
      middleCursor: '',
      searchName: personName(Math.floor(options.users / 2)),
      auditEvents: options.auditEvents,
      auditEventsBefore: 0,
    },
    extra: { oneClick: [], oneTimeTokens: [], sessions: [], adminSessions: [] },
  };
}

/**
 * When the admin's sessions were last seen, as the fixture writes them: within the hour ahead,
 * so that each pair measures an impersonation asked for from a session in use, whose last-seen
 * mark a request writes at most once a minute, not the first touch of a session never used.
 */
export function adminSeenUntil(now: number): number {
  return now + 3_600_000;
}

/** Load Corp's `i`-th person: its team admin first, then its owner, then members. */
export function loadMember(
  fixture: Fixture,
  i: number,
): { role: 'admin' | 'owner' | 'member'; email: string; name: string } {
  const name = personName(i);
  if (i === 0) return { role: 'admin', email: fixture.adminEmail, name };
  if (i === 1) return { role: 'owner', email: fixture.ownerEmail, name };
  return { role: 'member', email: `load-${i}@load.test`, name };
}

/**
 * Writes the load fixture into a migrated database (the server is stopped): one organization,
 * "Load Corp", with `users` members (an owner and a team admin among them), pools of one-click
 * links, login tokens and sessions whose secrets only this process knows (stored as the server
 * stores them), and an audit trail of `auditEvents` events of Load Corp's members, chained and
 * keyed with the server's own key so that the server's verification accepts it.
 */
export function seedLoadFixture(
  dataDir: string,
  options: FixtureOptions,
): { fixture: Fixture; extra: Pools } {
  const db = new Database(path.join(dataDir, 'onbehalf.db'));
  db.pragma('journal_mode = WAL');
  // A throwaway database, written once by this process alone.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -65536');
  const now = Date.now();
  const { password_hash: passwordHash } = db
    .prepare(`SELECT password_hash FROM users WHERE email = 'owner@acme.test'`)
    .get() as { password_hash: string };

  const { fixture, extra } = emptyFixture(options);
  const memberUserIds: number[] = [];
  const admin = { userId: 0, profileId: 0 };

  const seedPeople = db.transaction(() => {
    const orgId = Number(
      db
        .prepare(
          `INSERT INTO organizations (name, kind, impersonation_enabled, impersonation_max_minutes, created_at)
           VALUES ('Load Corp', 'company', 1, 60, ?)`,
        )
        .run(now).lastInsertRowid,
    );
    fixture.organizationId = orgId;
    const insertUser = db.prepare(
      `INSERT INTO users (email, name, password_hash, password_changed_at, status, kind, created_at)
       VALUES (?, ?, ?, ?, 'active', 'customer', ?)`,
    );
    // sort_name is filled by the profiles_sort_name_insert trigger, users_fts by users_fts_insert.
    const insertProfile = db.prepare(
      `INSERT INTO profiles (user_id, organization_id, role, permissions, allow_team_impersonation, created_at)
       VALUES (?, ?, ?, ?, 1, ?)`,
    );
    for (let i = 0; i < options.users; i++) {
      const { role, email, name } = loadMember(fixture, i);
      const userId = Number(insertUser.run(email, name, passwordHash, now, now).lastInsertRowid);
      const profileId = Number(
        insertProfile.run(userId, orgId, role, JSON.stringify(profileRolePresets[role]), now)
          .lastInsertRowid,
      );
      if (role === 'admin') Object.assign(admin, { userId, profileId });
      if (role === 'member') {
        memberUserIds.push(userId);
        fixture.memberProfileIds.push(profileId);
        if (fixture.memberEmails.length < 50) fixture.memberEmails.push(email);
      }
    }
    const middle = db
      .prepare(
        `SELECT sort_name AS sortName, id FROM profiles WHERE organization_id = ?
         ORDER BY sort_name, id LIMIT 1 OFFSET ?`,
      )
      .get(orgId, Math.floor(options.users / 2)) as { sortName: string; id: number };
    fixture.middleCursor = encodeCursor([middle.sortName, middle.id]);

    // Delivered by email, made by the system (the command line), fingerprinted like the server does.
    const fingerprint = credentialFingerprint({ passwordHash });
    const insertLink = db.prepare(
      `INSERT INTO one_click_links (id, user_id, secret_hash, created_at, expires_at,
         credential_fingerprint, delivery, purpose)
       VALUES (?, ?, ?, ?, ?, ?, 'email', 'delivered')`,
    );
    for (let i = 0; i < options.oneClickLinks + options.extraPool; i++) {
      const userId = memberUserIds[i % memberUserIds.length] as number;
      const hash = secret();
      insertLink.run(sortableId(now), userId, sha256(hash), now, now + 86_400_000, fingerprint);
      (i < options.oneClickLinks ? fixture.oneClick : extra.oneClick).push({ userId, hash });
    }

    // Login tokens for a person, emailed to them (`use` = 'email').
    const insertToken = db.prepare(
      `INSERT INTO login_tokens (secret_hash, profile_id, created_at, expires_at, one_time_use,
         use, credential_fingerprint)
       VALUES (?, ?, ?, ?, ?, 'email', ?)`,
    );
    const tokens = options.loginTokens + options.extraPool;
    for (let i = 0; i <= tokens; i++) {
      const value = secret();
      const reusable = i === tokens;
      const profileId = fixture.memberProfileIds[i % fixture.memberProfileIds.length] as number;
      const id = insertToken.run(
        sha256(value),
        profileId,
        now,
        now + 86_400_000,
        reusable ? 0 : 1,
        fingerprint,
      ).lastInsertRowid;
      if (reusable) fixture.reusableToken = `${id}.${value}`;
      else
        (i < options.loginTokens ? fixture.oneTimeTokens : extra.oneTimeTokens).push(
          `${id}.${value}`,
        );
    }

    // As on the server, only the SHA-256 of each session token is stored, under a ULID.
    const insertSession = db.prepare(
      `INSERT INTO sessions (id, token_hash, user_id, profile_id, method, created_at, expires_at, last_seen_at)
       VALUES (?, ?, ?, ?, 'password', ?, ?, ?)`,
    );
    for (let i = 0; i < options.sessions + options.extraPool; i++) {
      const token = secret();
      const profileId = fixture.memberProfileIds[i % fixture.memberProfileIds.length] as number;
      const userId = memberUserIds[i % memberUserIds.length] as number;
      insertSession.run(
        sortableId(now),
        sha256(token),
        userId,
        profileId,
        now,
        now + 6 * 3_600_000,
        now,
      );
      (i < options.sessions ? fixture.sessions : extra.sessions).push({ token, profileId });
    }
    for (let i = 0; i < options.sessions + options.extraPool; i++) {
      const token = secret();
      insertSession.run(
        sortableId(now),
        sha256(token),
        admin.userId,
        admin.profileId,
        now,
        now + 6 * 3_600_000,
        adminSeenUntil(now),
      );
      (i < options.sessions ? fixture.adminSessions : extra.adminSessions).push(token);
    }
  });
  withIndexBuiltAfter(db, 'users_fts_insert', 'users_fts', seedPeople);

  fixture.auditEventsBefore = (
    db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }
  ).n;
  // The server is given no ONBEHALF_SECRET (bench/src/server.ts): both read the one under DATA_DIR.
  const { auditKey } = loadServerSecret(dataDir);
  seedAuditTrail(db, auditKey, {
    count: options.auditEvents,
    now,
    organizationId: fixture.organizationId,
    userIds: memberUserIds,
  });
  indexSeededTrail(db);
  db.close();
  return { fixture, extra };
}

/**
 * Runs a bulk insert without the trigger that feeds a full-text index row by row, then builds
 * that index from its content table at once (`'rebuild'`, as the migrations that created it
 * did) and puts the trigger back exactly as the migrations wrote it (its SQL is read from the
 * database, not copied here). A row at a time, an FTS5 trigger made a bulk insert about six
 * times slower.
 *
 * `'rebuild'` leaves the same terms as the trigger would, but not the same segments, and
 * FTS5's automerge then folds those large segments in at later writes (when the audit trail's
 * index was fed by a trigger, the appends after a million seeded events cost 150 to 280 µs each
 * instead of about 50 until it had). `'optimize'`
 * merges the seeded index into one segment first (under a second); the scenarios then pay
 * only the merges of their own events.
 */
function withIndexBuiltAfter(
  db: Database.Database,
  trigger: string,
  ftsTable: string,
  insert: () => void,
) {
  const saved = db
    .prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`)
    .get(trigger) as { sql: string } | undefined;
  if (!saved) throw new Error(`trigger ${trigger} not found: has the schema changed?`);
  db.exec(`DROP TRIGGER ${trigger}`);
  try {
    insert();
    db.exec(`INSERT INTO ${ftsTable} (${ftsTable}) VALUES ('rebuild')`);
    db.exec(`INSERT INTO ${ftsTable} (${ftsTable}) VALUES ('optimize')`);
  } finally {
    db.exec(saved.sql);
  }
}

/**
 * The server indexes the audit trail for search in batches behind the writes, up to the id in
 * `audit_search_progress` (apps/bff/src/store/sqlite/audit-search.ts). The seeded trail is
 * indexed at once instead, like the people above (`'rebuild'`, then `'optimize'` into one
 * segment), and marked as indexed, so the scenarios start with nothing left to index.
 */
function indexSeededTrail(db: Database.Database) {
  db.exec(`INSERT INTO audit_fts (audit_fts) VALUES ('rebuild')`);
  db.exec(`INSERT INTO audit_fts (audit_fts) VALUES ('optimize')`);
  const changed = db
    .prepare(
      'UPDATE audit_search_progress SET indexed_through = (SELECT coalesce(max(id), 0) FROM audit_events)',
    )
    .run().changes;
  if (changed !== 1) throw new Error('audit_search_progress not found: has the schema changed?');
}

const AUDIT_TYPES = [
  'auth.sign_in.succeeded',
  'order.placed',
  'profile.switched',
  'auth.signed_out',
] as const;

/**
 * The seeded trail's events as the server's `recordAudit` writes them: each row built by its
 * `eventRow`, keyed with the chain's key over the stored bytes (`storedPayload`, `keyedHash`,
 * apps/bff/src/lib/audit-event.ts) and linked to the one before, from `head`, the hash of the
 * event the server's trail ends with.
 */
export function* chainedAuditRows(
  key: Buffer,
  head: string,
  options: { count: number; now: number; organizationId: number; userIds: number[] },
) {
  const { count, now, organizationId, userIds } = options;
  const meta: RequestMeta = { ip: '127.0.0.1', userAgent: 'bench', requestId: null };
  let prev = head;
  for (let i = 0; i < count; i++) {
    const userId = userIds[i % userIds.length] as number;
    const { row } = eventRow(
      {
        type: AUDIT_TYPES[i % AUDIT_TYPES.length] as (typeof AUDIT_TYPES)[number],
        at: now - (count - i) * 1000,
        actor: { userId, kind: 'customer' },
        subjectUserId: userId,
        organizationId,
        details: { n: i },
      },
      meta,
    );
    const hash = keyedHash(key, prev, storedPayload(row));
    yield { ...row, prevHash: prev, hash };
    prev = hash;
  }
}

/** The items of `items` in arrays of `size` (the last may be shorter). */
export function* inBatches<T>(items: Iterable<T>, size: number) {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * Appends `count` events to the trail (`chainedAuditRows`), from the head the server left:
 * the newest event, else retention's checkpoint, else genesis.
 */
function seedAuditTrail(
  db: Database.Database,
  key: Buffer,
  options: { count: number; now: number; organizationId: number; userIds: number[] },
) {
  const head =
    (db.prepare('SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1').get() as
      | { hash: string }
      | undefined) ??
    (db.prepare('SELECT last_hash AS hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1').get() as
      | { hash: string }
      | undefined);
  const insert = db.prepare(
    `INSERT INTO audit_events (at, type, actor_user_id, actor_kind, subject_user_id, organization_id,
       session_id, impersonation_id, ip, user_agent, request_id, reason, details, prev_hash, hash,
       keyed)
     VALUES (@at, @type, @actorUserId, @actorKind, @subjectUserId, @organizationId, @sessionId,
       @impersonationId, @ip, @userAgent, @requestId, @reason, @details, @prevHash, @hash, 1)`,
  );
  const insertBatch = db.transaction((rows: Record<string, unknown>[]) => {
    for (const row of rows) insert.run(row);
  });
  for (const batch of inBatches(chainedAuditRows(key, head?.hash ?? GENESIS_HASH, options), 50_000))
    insertBatch(batch);
}
