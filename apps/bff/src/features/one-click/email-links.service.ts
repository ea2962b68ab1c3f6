import {
  EMAIL_LINK_SENT_MESSAGE,
  type ProvisionUserResponse,
} from '@onbehalf/contracts/email-links';
import { type ProfileRole, profileRolePresets } from '@onbehalf/contracts/permissions';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import type { UserRow } from '../../db/schema/users.ts';
import { recordAudit } from '../../lib/audit.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { refuseDuringImpersonation } from '../../lib/link-sign-in.ts';
import { composeMail } from '../../lib/mail.ts';
import { type Principal, principalAuditParty, principalCreatedBy } from '../../lib/principal.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { toUserSummary } from '../../lib/session-view.ts';
import { readSetting } from '../../lib/settings.ts';
import {
  findOrganization,
  findUserByEmail,
  insertProvisionedUser,
  organizationsOfUser,
  profileInOrganization,
} from './one-click.repo.ts';
import { issueLink, linkableCustomer, linkMinutes } from './one-click.service.ts';

const minutesText = (minutes: number) => `${minutes} minute${minutes === 1 ? '' : 's'}`;

/** Why a user gets no self-service link (never told to the caller). */
function selfServiceRefusal(deps: AppDeps, user: UserRow | undefined): string | null {
  if (!user) return 'unknown_address';
  if (user.kind !== 'customer') return 'not_a_customer';
  if (user.status !== 'active') return 'disabled';
  if (!readSetting(deps.db, 'self_service_links').enabled) return 'switched_off_globally';
  if (organizationsOfUser(deps.db, user.id).some((o) => !o.selfServiceLinksEnabled)) {
    return 'switched_off_by_organization';
  }
  return null;
}

/**
 * "Email me a sign-in link". The caller always gets the same answer at the same speed: the
 * lookup and the mail happen after the response, in the background.
 */
export async function requestSelfServiceLink(deps: AppDeps, rawEmail: string, meta: RequestMeta) {
  const email = rawEmail.trim().toLowerCase();
  await deps.limiters.takeEmailLinkRequest(email, meta.ip);
  deps.background.run(() => sendSelfServiceLink(deps, email, meta));
  return { ok: true as const, message: EMAIL_LINK_SENT_MESSAGE };
}

async function sendSelfServiceLink(deps: AppDeps, email: string, meta: RequestMeta) {
  const user = findUserByEmail(deps.db, email);
  const refusal = selfServiceRefusal(deps, user);
  const now = deps.clock.now();
  if (refusal || !user) {
    deps.db.transaction((tx) =>
      recordAudit(
        tx,
        {
          type: 'one_click.requested',
          at: now,
          actor: { userId: null, kind: 'anonymous' },
          subjectUserId: user?.id ?? null,
          details: { outcome: refusal },
        },
        meta,
      ),
    );
    return;
  }
  const minutes = linkMinutes(deps);
  const link = deps.db.transaction((tx) => {
    recordAudit(
      tx,
      {
        type: 'one_click.requested',
        at: now,
        actor: { userId: null, kind: 'anonymous' },
        subjectUserId: user.id,
        details: { outcome: 'sent' },
      },
      meta,
    );
    return issueLink(
      tx,
      deps,
      user,
      minutes,
      { createdByUserId: null, createdByApiKeyId: null },
      { actor: { userId: null, kind: 'anonymous' }, details: { delivery: 'self_service_email' } },
      meta,
    );
  });
  await deliver(
    deps,
    user,
    link.id,
    meta,
    {
      kind: 'sign_in_link',
      subject: 'Your sign-in link',
      lines: [
        `Hello ${user.name},`,
        `Someone (hopefully you) asked to sign in to onbehalf with this address. The link below signs you in once and stops working in ${minutesText(minutes)}.`,
      ],
      footer:
        'If you did not ask for it, ignore this email: nobody can use the link without access to your mailbox.',
    },
    link.url,
  );
}

async function deliver(
  deps: AppDeps,
  user: UserRow,
  linkId: string,
  meta: RequestMeta,
  mail: { kind: string; subject: string; lines: string[]; footer: string },
  url: string,
  actor: Parameters<typeof recordAudit>[1]['actor'] = { userId: null, kind: 'system' },
) {
  try {
    await deps.mailer.send(
      composeMail({ to: user.email, ...mail, link: { url, label: 'Sign in to onbehalf' } }),
    );
  } catch (error) {
    deps.db.transaction((tx) =>
      recordAudit(
        tx,
        {
          type: 'mail.failed',
          at: deps.clock.now(),
          actor,
          subjectUserId: user.id,
          details: { linkId, kind: mail.kind, transport: deps.mailer.transport },
        },
        meta,
      ),
    );
    console.error('mail delivery failed', error);
    throw new AppError('mail_unavailable');
  }
  deps.db.transaction((tx) =>
    recordAudit(
      tx,
      {
        type: 'one_click.emailed',
        at: deps.clock.now(),
        actor,
        subjectUserId: user.id,
        details: { linkId, kind: mail.kind, transport: deps.mailer.transport },
      },
      meta,
    ),
  );
}

/** A customer account a link may be made for. */
/** Support emails a link: the message says who sent it and why; audited with the operator. */
export async function emailLinkFromSupport(
  deps: AppDeps,
  auth: AuthContext,
  userId: number,
  reason: string,
  meta: RequestMeta,
) {
  refuseDuringImpersonation(auth);
  const operator = auth.user;
  if (!operator) throw new AppError('forbidden');
  const user = linkableCustomer(deps, userId);
  const minutes = linkMinutes(deps);
  const party = auditParty(auth);
  const link = deps.db.transaction((tx) =>
    issueLink(
      tx,
      deps,
      user,
      minutes,
      { createdByUserId: operator.id, createdByApiKeyId: null },
      { ...party, reason, details: { delivery: 'support_email' } },
      meta,
    ),
  );
  await deliver(
    deps,
    user,
    link.id,
    meta,
    {
      kind: 'support_link',
      subject: `${operator.name} sent you a sign-in link`,
      lines: [
        `Hello ${user.name},`,
        `${operator.name} from onbehalf support sent you this sign-in link. Their reason: “${reason}”.`,
        `It signs you in once and stops working in ${minutesText(minutes)}.`,
      ],
      footer: 'If you did not expect this, do not use the link and contact support.',
    },
    link.url,
    party.actor,
  );
  return { ok: true as const, expiresAt: toIso(link.expiresAt) };
}

/**
 * Provisioning for integrations: idempotent on the email address (a repeat returns the
 * existing user, never a second one), optionally with a welcome email carrying a link.
 */
export async function provisionUser(
  deps: AppDeps,
  principal: Principal,
  body: {
    email: string;
    name: string;
    organizationId: number;
    role: ProfileRole;
    sendWelcomeEmail: boolean;
  },
  meta: RequestMeta,
): Promise<{ status: 200 | 201; body: ProvisionUserResponse }> {
  if (principal.kind === 'session') refuseDuringImpersonation(principal.auth);
  const { db, clock } = deps;
  const organization = findOrganization(db, body.organizationId);
  if (!organization) throw new AppError('not_found', { message: 'No such organization.' });
  const email = body.email.toLowerCase();
  const existing = findUserByEmail(db, email);
  if (existing) {
    const profile = profileInOrganization(db, existing.id, organization.id);
    return {
      status: 200,
      body: {
        user: toUserSummary(existing),
        profileId: profile?.id ?? null,
        created: false,
        welcomeEmailSent: false,
      },
    };
  }
  const now = clock.now();
  const party = principalAuditParty(principal);
  // A welcome link lives as long as any link may: the person may not read mail at once.
  const minutes = readSetting(db, 'one_click').maxMinutes;
  const created = db.transaction((tx) => {
    const row = insertProvisionedUser(tx, {
      email,
      name: body.name,
      organizationId: organization.id,
      role: body.role,
      permissions: [...profileRolePresets[body.role]],
      now,
    });
    recordAudit(
      tx,
      {
        type: 'user.provisioned',
        at: now,
        ...party,
        subjectUserId: row.user.id,
        organizationId: organization.id,
        details: { ...party.details, role: body.role, profileId: row.profileId },
      },
      meta,
    );
    const link = body.sendWelcomeEmail
      ? issueLink(
          tx,
          deps,
          row.user,
          minutes,
          principalCreatedBy(principal),
          { ...party, details: { ...party.details, delivery: 'welcome_email' } },
          meta,
        )
      : null;
    return { ...row, link };
  });
  if (created.link) {
    await deliver(
      deps,
      created.user,
      created.link.id,
      meta,
      {
        kind: 'welcome',
        subject: `Welcome to ${organization.name} on onbehalf`,
        lines: [
          `Hello ${created.user.name},`,
          `An account was created for you at ${organization.name}. Use the link below to sign in for the first time; it works once and stops working in ${minutesText(minutes)}.`,
        ],
        footer:
          'After signing in you can set a password from your account page, or ask for a new link at any time.',
      },
      created.link.url,
      party.actor,
    );
  }
  return {
    status: 201,
    body: {
      user: toUserSummary(created.user),
      profileId: created.profileId,
      created: true,
      welcomeEmailSent: Boolean(created.link),
    },
  };
}
