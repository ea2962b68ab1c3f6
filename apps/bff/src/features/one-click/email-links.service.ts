import {
  EMAIL_LINK_SENT_MESSAGE,
  type ProvisionUserInput,
  type ProvisionUserResponse,
} from '@onbehalf/contracts/email-links';
import type { SentCredentialResponse } from '@onbehalf/contracts/login-links';
import { profileRolePresets } from '@onbehalf/contracts/permissions';
import { z } from 'zod';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { type Principal, principalAuditParty, principalCreatedBy } from '../../http/principal.ts';
import { toUserSummary } from '../../http/session-view.ts';
import type { AuditEntry } from '../../lib/audit-event.ts';
import { AppError } from '../../lib/errors.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { UserRow } from '../../store/rows.ts';
import { refuseRealPersonOnTestDatabase } from '../test-mode/test-people.ts';
import { deliverLink } from './link-mail.ts';
import { buildLink, createOneClickLink, linkMinutes } from './one-click.service.ts';

/** Why a user gets no self-service link (never told to the caller). */
async function selfServiceRefusal(
  deps: AppDeps,
  user: UserRow | undefined,
): Promise<string | null> {
  if (!user) return 'unknown_address';
  if (user.kind !== 'customer') return 'not_a_customer';
  if (user.status !== 'active') return 'disabled';
  if (!(await deps.store.settings.read()).selfServiceLinks.enabled) return 'switched_off_globally';
  const profiles = await deps.store.oneClick.profilesOf(user.id);
  if (profiles.some((p) => !p.organization.selfServiceLinksEnabled)) {
    return 'switched_off_by_organization';
  }
  return null;
}

/** The job that looks an address up and mails it a link (lib/jobs.ts). */
export const SELF_SERVICE_LINK_JOB = 'one_click.self_service_link';

/**
 * What the job carries: the address, whether its budget allowed a link, and who asked. Never
 * the link: it is made when the job runs, so the job table holds nothing that signs anyone in.
 */
const selfServiceLinkJob = z.object({
  email: z.string(),
  send: z.boolean(),
  meta: z.object({
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
  }),
});

/**
 * "Email me a sign-in link". The caller always gets the same answer at the same speed: the
 * request only writes a job, the same whatever the address; the lookup and the mail happen
 * after the response, in the job, which outlives a crash. An address that got enough links
 * lately gets no more, silently: strangers asking for it cannot make its owner wait.
 */
export async function requestSelfServiceLink(deps: AppDeps, rawEmail: string, meta: RequestMeta) {
  const email = rawEmail.trim().toLowerCase();
  const send = await deps.limiters.admitEmailLinkRequest(email, meta.ip);
  const job: z.infer<typeof selfServiceLinkJob> = {
    email,
    send,
    meta: { ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId },
  };
  await deps.background.enqueue(SELF_SERVICE_LINK_JOB, job);
  return { ok: true as const, message: EMAIL_LINK_SENT_MESSAGE };
}

/**
 * Runs a self-service link job. A mail that could not be sent has withdrawn its link (and is
 * audited); the job fails so that it is tried again later with a new link.
 */
export async function runSelfServiceLinkJob(deps: AppDeps, payload: unknown): Promise<void> {
  const { email, send, meta } = selfServiceLinkJob.parse(payload);
  await sendSelfServiceLink(deps, email, send, meta);
}

async function sendSelfServiceLink(deps: AppDeps, email: string, send: boolean, meta: RequestMeta) {
  const user = await deps.store.oneClick.findUserByEmail(email);
  const refusal = send ? await selfServiceRefusal(deps, user) : 'too_many_lately';
  const now = deps.clock.now();
  const anonymous = { userId: null, kind: 'anonymous' } as const;
  const requested = (outcome: string): AuditEntry => ({
    type: 'one_click.requested',
    at: now,
    actor: anonymous,
    subjectUserId: user?.id ?? null,
    details: { outcome },
  });
  if (refusal || !user) {
    await deps.store.oneClick.recordRequested({
      audit: requested(refusal ?? 'unknown_address'),
      meta,
    });
    return;
  }
  const link = buildLink(
    deps,
    {
      user,
      minutes: await linkMinutes(deps),
      // The person asked for it themselves: they are its maker.
      createdBy: { createdByUserId: user.id, createdByApiKeyId: null },
      delivery: 'email',
      purpose: 'delivered',
      profileId: null,
      reason: null,
      ticket: null,
    },
    { actor: anonymous, details: { delivery: 'self_service_email' } },
  );
  await deps.store.oneClick.issue({ link: link.row, audit: [requested('sent'), link.audit], meta });
  const sent = { kind: 'one_click' as const, ...link };
  await deliverLink(deps, user, sent, { kind: 'self' }, { userId: null, kind: 'system' }, meta);
}

/**
 * Support emails a link (Admin › Users): a delivered one-click link whose email names the
 * operator and quotes the reason.
 */
export async function emailLinkFromSupport(
  deps: AppDeps,
  auth: AuthContext,
  userId: number,
  reason: string,
  meta: RequestMeta,
): Promise<SentCredentialResponse> {
  const created = await createOneClickLink(
    deps,
    { kind: 'session', auth },
    { userId, delivery: 'email', reason },
    meta,
  );
  if (created.status !== 202) throw new Error('An emailed link was handed over');
  return created.body;
}

/**
 * Provisioning for integrations and operators: idempotent on the email address (a repeat
 * returns the existing user, never a second one), optionally with a welcome email carrying a
 * link. It creates members only: an owner, or a superadmin with a reason, raises them
 * (SPEC §4b). An API key provisions only into its own organizations.
 */
export async function provisionUser(
  deps: AppDeps,
  principal: Principal,
  body: ProvisionUserInput,
  meta: RequestMeta,
): Promise<{ status: 200 | 201; body: ProvisionUserResponse }> {
  const { clock, store } = deps;
  if (body.role !== 'member') throw new AppError('members_only');
  await refuseRealPersonOnTestDatabase(deps, body.email);
  const organization = await store.oneClick.findOrganization(body.organizationId);
  const reachable =
    organization &&
    (principal.kind !== 'api_key' || principal.key.organizationIds.includes(organization.id));
  if (!organization || !reachable) {
    throw new AppError('not_found', { message: 'No such organization.' });
  }
  const email = body.email.toLowerCase();
  /**
   * A repeat, answered with the user as they are; and an address taken by a request that raced
   * this one, answered alike. A key learns of an account only where it may act (a customer with
   * a profile in the organization it provisions into); anyone else (another tenant's customer,
   * an operator) is a conflict that names nobody.
   */
  const already = async (existing: UserRow) => {
    const profile = (await store.oneClick.profilesOf(existing.id)).find(
      (p) => p.organization.id === organization.id,
    );
    if (principal.kind === 'api_key' && (existing.kind !== 'customer' || !profile)) {
      throw new AppError('conflict', {
        message: 'An account with this email exists outside what this key may provision.',
      });
    }
    return {
      status: 200 as const,
      body: {
        user: toUserSummary(existing),
        profileId: profile?.profile.id ?? null,
        created: false,
        welcomeEmailSent: false,
      },
    };
  };
  const existing = await store.oneClick.findUserByEmail(email);
  if (existing) return already(existing);

  const now = clock.now();
  const party = principalAuditParty(principal);
  // A welcome link lives as long as any link may: the person may not read mail at once.
  const minutes = (await store.settings.read()).oneClick.maxMinutes;
  const created = await store.oneClick.provision({
    user: { email, name: body.name },
    profile: {
      organizationId: organization.id,
      role: 'member',
      permissions: [...profileRolePresets.member],
    },
    now,
    records: ({ user, profileId }) => {
      const provisioned: AuditEntry = {
        type: 'user.provisioned',
        at: now,
        ...party,
        subjectUserId: user.id,
        organizationId: organization.id,
        details: { ...party.details, role: 'member', profileId },
      };
      const welcome = body.sendWelcomeEmail
        ? buildLink(
            deps,
            {
              user,
              minutes,
              createdBy: principalCreatedBy(principal),
              delivery: 'email',
              purpose: 'delivered',
              profileId: null,
              reason: null,
              ticket: null,
            },
            { ...party, details: { ...party.details, delivery: 'welcome_email' } },
          )
        : null;
      return {
        link: welcome?.row ?? null,
        audit: welcome ? [provisioned, welcome.audit] : [provisioned],
        welcome,
      };
    },
    meta,
  });
  if (created === 'exists') {
    // Provisioned by another request meanwhile: a repeat, answered as one.
    const winner = await store.oneClick.findUserByEmail(email);
    if (!winner) throw new Error('A provisioned address has no user');
    return already(winner);
  }
  const { welcome } = created.records;
  if (welcome) {
    const sender = { kind: 'welcome', organizationName: organization.name } as const;
    const link = { kind: 'one_click' as const, ...welcome };
    await deliverLink(deps, created.user, link, sender, party.actor, meta);
  }
  return {
    status: 201,
    body: {
      user: toUserSummary(created.user),
      profileId: created.profileId,
      created: true,
      welcomeEmailSent: Boolean(welcome),
    },
  };
}
